using System.Text.Json;
using System.Text.Json.Nodes;
using ModelGate.DevHost.NodeTools;

namespace ModelGate.Tests.DevHost.NodeTools;

public sealed class NodePackagesTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "node-packages-" + Guid.NewGuid().ToString("N"));

    public NodePackagesTests() => System.IO.Directory.CreateDirectory(root);

    public void Dispose() => System.IO.Directory.Delete(root, recursive: true);

    [Fact]
    public void MatchesLock_EveryLockedPackageInstalled_IsTrue()
    {
        var packages = new[] { Package("openai", "7.57.0"), Package("openai/node_modules/zod", "4.1.0") };
        WriteLock(["openai"], packages);
        WriteInstalled(["openai"], packages);

        Assert.True(NodePackages.MatchesLock(root));
    }

    [Fact]
    public void MatchesLock_LockGainedAPackageTheTreeLacks_IsFalse()
    {
        WriteLock(["azurite", "openai"], [Package("azurite", "3.37.0"), Package("openai", "7.57.0")]);
        WriteInstalled(["azurite"], [Package("azurite", "3.37.0")]);

        Assert.False(NodePackages.MatchesLock(root));
    }

    [Fact]
    public void MatchesLock_InstalledVersionDiffersFromTheLock_IsFalse()
    {
        WriteLock(["openai"], [Package("openai", "7.57.0")]);
        WriteInstalled(["openai"], [Package("openai", "7.10.0")]);

        Assert.False(NodePackages.MatchesLock(root));
    }

    [Fact]
    public void MatchesLock_OptionalPackageNpmSkippedOnThisPlatform_IsTrue()
    {
        var azurite = Package("azurite", "3.37.0");
        WriteLock(["azurite"], [azurite, Package("fsevents", "2.3.3", optional: true)]);
        WriteInstalled(["azurite"], [azurite]);

        Assert.True(NodePackages.MatchesLock(root));
    }

    [Fact]
    public void MatchesLock_NoRecordOfWhatNpmInstalled_IsFalse()
    {
        WriteLock(["azurite"], [Package("azurite", "3.37.0")]);
        CreatePackageFolder("azurite");

        Assert.False(NodePackages.MatchesLock(root));
    }

    [Fact]
    public void MatchesLock_DirectDependencysFolderDeletedAfterInstall_IsFalse()
    {
        var packages = new[] { Package("azurite", "3.37.0"), Package("openai", "7.57.0") };
        WriteLock(["azurite", "openai"], packages);
        WriteInstalled(["azurite", "openai"], packages);
        System.IO.Directory.Delete(Path.Combine(root, "node_modules", "openai"), recursive: true);

        Assert.False(NodePackages.MatchesLock(root));
    }

    [Fact]
    public async Task EnsureInstalledAsync_TreeFromAnOlderLock_RunsNpmCiUntilTheTreeMatches()
    {
        // A package from a folder in the repository: npm ci installs it without a registry.
        WriteLocalTool("1.0.0");
        await NodePackages.EnsureInstalledAsync(root);
        Assert.True(NodePackages.MatchesLock(root));

        WriteLocalTool("1.1.0");
        Assert.False(NodePackages.MatchesLock(root));
        await NodePackages.EnsureInstalledAsync(root);

        Assert.True(NodePackages.MatchesLock(root));
        var installed = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "node_modules", ".package-lock.json")))!;
        Assert.Equal("1.1.0", (string?)installed["packages"]!["local-tool"]!["version"]);
        Assert.True(File.Exists(Path.Combine(root, ".modelgate", "npm-install.lock")));
    }

    private static (string Path, JsonObject Entry) Package(string name, string version, bool optional = false)
    {
        var path = "node_modules/" + name;
        var entry = new JsonObject { ["version"] = version, ["integrity"] = $"sha512-{name}-{version}", ["dev"] = true };
        if (optional) entry["optional"] = true;
        return (path, entry);
    }

    private void WriteLock(string[] direct, (string Path, JsonObject Entry)[] packages)
    {
        var all = new JsonObject { [""] = new JsonObject { ["name"] = "tools", ["devDependencies"] = Versions(direct, packages) } };
        foreach (var (path, entry) in packages) all[path] = entry.DeepClone();
        Write(Path.Combine(root, "package-lock.json"), new JsonObject { ["name"] = "tools", ["lockfileVersion"] = 3, ["packages"] = all });
    }

    // What npm leaves behind: a folder per package and its record of the install, the hidden lockfile.
    private void WriteInstalled(string[] direct, (string Path, JsonObject Entry)[] packages)
    {
        var all = new JsonObject();
        foreach (var (path, entry) in packages) all[path] = entry.DeepClone();
        foreach (var name in direct) CreatePackageFolder(name);
        Write(Path.Combine(root, "node_modules", ".package-lock.json"), new JsonObject { ["name"] = "tools", ["lockfileVersion"] = 3, ["packages"] = all });
    }

    private static JsonObject Versions(string[] direct, (string Path, JsonObject Entry)[] packages)
    {
        var versions = new JsonObject();
        foreach (var name in direct) versions[name] = (string?)packages.Single(p => p.Path == "node_modules/" + name).Entry["version"];
        return versions;
    }

    private void CreatePackageFolder(string name)
    {
        var folder = Path.Combine(root, "node_modules", name);
        System.IO.Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "package.json"), JsonSerializer.Serialize(new { name }));
    }

    // The lock npm itself writes for a devDependency on "file:local-tool" (checked with npm 11).
    private void WriteLocalTool(string version)
    {
        System.IO.Directory.CreateDirectory(Path.Combine(root, "local-tool"));
        Write(Path.Combine(root, "local-tool", "package.json"), new JsonObject { ["name"] = "local-tool", ["version"] = version });
        Write(Path.Combine(root, "package.json"), new JsonObject
        {
            ["name"] = "tools", ["private"] = true, ["devDependencies"] = new JsonObject { ["local-tool"] = "file:local-tool" },
        });
        Write(Path.Combine(root, "package-lock.json"), new JsonObject
        {
            ["name"] = "tools",
            ["lockfileVersion"] = 3,
            ["requires"] = true,
            ["packages"] = new JsonObject
            {
                [""] = new JsonObject { ["name"] = "tools", ["devDependencies"] = new JsonObject { ["local-tool"] = "file:local-tool" } },
                ["local-tool"] = new JsonObject { ["version"] = version, ["dev"] = true },
                ["node_modules/local-tool"] = new JsonObject { ["resolved"] = "local-tool", ["link"] = true },
            },
        });
    }

    private static void Write(string path, JsonNode json)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json.ToJsonString());
    }
}
