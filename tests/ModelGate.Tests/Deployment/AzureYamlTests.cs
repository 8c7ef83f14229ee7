using System.Diagnostics;

namespace ModelGate.Tests.Deployment;

/// <summary>azure.yaml, the file azd starts from, and the hooks it runs.</summary>
public sealed class AzureYamlTests
{
    private static readonly Dictionary<string, object> Yaml = SimpleYaml.Parse(File.ReadAllText(Repo.AzureYaml));

    [Fact]
    public void AzureYaml_NamesTheApp_AndPointsAtTheBicepFolder()
    {
        Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", (string?)Yaml.At("name"));
        Assert.Equal("bicep", Yaml.At("infra", "provider"));
        Assert.Equal("infra-bicep", Yaml.At("infra", "path"));
        var module = (string?)Yaml.At("infra", "module") ?? "main";
        Assert.True(File.Exists(Path.Combine(Repo.Root, "infra-bicep", module + ".bicep")));
        Assert.True(File.Exists(Path.Combine(Repo.Root, "infra-bicep", module + ".parameters.json")));
    }

    [Fact]
    public void AzureYaml_DeploysTheFunctionsProjectAsAFunctionApp()
    {
        var service = Assert.IsType<Dictionary<string, object>>(Assert.Single((Dictionary<string, object>)Yaml["services"]).Value);
        Assert.Equal("function", service["host"]);
        Assert.Equal("csharp", service["language"]);
        var project = Path.GetFullPath(Path.Combine(Repo.Root, (string)service["project"]));
        Assert.Equal(Path.GetFullPath(Repo.FunctionsProject), project.TrimEnd(Path.DirectorySeparatorChar));
        Assert.Single(System.IO.Directory.GetFiles(project, "*.csproj"));
    }

    [Fact]
    public void Hooks_RunScriptsThatExist_OnPosixAndWindows()
    {
        var hooks = Assert.IsType<Dictionary<string, object>>(Yaml["hooks"]);
        Assert.NotEmpty(hooks);
        foreach (var (_, value) in hooks)
        {
            var hook = Assert.IsType<Dictionary<string, object>>(value);
            Assert.Equal("sh", hook.At("posix", "shell"));
            Assert.Equal("pwsh", hook.At("windows", "shell"));
            foreach (var platform in new[] { "posix", "windows" })
            {
                var script = Path.Combine(Repo.Root, (string)hook.At(platform, "run")!);
                Assert.True(File.Exists(script), $"The {platform} hook runs {script}, which does not exist.");
            }
        }
    }

    [LinuxFact]
    public async Task PostprovisionHook_PrintsTheGraphGrantCommandsOnlyWhenTheTemplateDidNotGrant()
    {
        var environment = new Dictionary<string, string>
        {
            ["MODELGATE_URL"] = "https://func-modelgate-abc.azurewebsites.net",
            ["MODELGATE_IDENTITY_PRINCIPAL_ID"] = "11111111-2222-3333-4444-555555555555",
            ["MODELGATE_GRAPH_PERMISSIONS"] = "Group.Read.All User.ReadBasic.All",
            ["MODELGATE_GRAPH_PERMISSIONS_GRANTED"] = "false",
        };
        var notGranted = await RunHookAsync(environment);
        Assert.Contains("https://func-modelgate-abc.azurewebsites.net", notGranted);
        Assert.Contains("appRoles[?value=='Group.Read.All']", notGranted);
        Assert.Contains("appRoles[?value=='User.ReadBasic.All']", notGranted);
        Assert.Contains("servicePrincipals/11111111-2222-3333-4444-555555555555/appRoleAssignments", notGranted);

        environment["MODELGATE_GRAPH_PERMISSIONS_GRANTED"] = "true";
        var granted = await RunHookAsync(environment);
        Assert.DoesNotContain("az rest", granted);
        Assert.Contains("Group.Read.All User.ReadBasic.All granted", granted);
    }

    private static async Task<string> RunHookAsync(Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo.Root };
        start.ArgumentList.Add(Path.Combine(Repo.Root, "infra-bicep", "hooks", "postprovision.sh"));
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await errors);
        return await output;
    }
}
