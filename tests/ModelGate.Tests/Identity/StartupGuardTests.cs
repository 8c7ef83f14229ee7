using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Identity;

/// <summary>Development shortcuts are refused in Azure, and missing settings fail the start with their names.</summary>
public sealed class StartupGuardTests
{
    [Fact]
    public async Task DevelopmentIssuer_InAzure_RefusesToStart()
    {
        // Only the issuer is left as a development shortcut, so its guard is the one that must fire.
        await using var app = await Build(new()
        {
            ["WEBSITE_SITE_NAME"] = "modelgate-prod",
            ["Azure:UseDevelopmentCredential"] = "false",
            ["KeyVault:DevelopmentCertificateSha256"] = "",
        });
        var error = Assert.ThrowsAny<Exception>(() => app.Server);
        Assert.Contains("DevelopmentIssuer", Flatten(error));
    }

    [Fact]
    public async Task DevelopmentCredential_InAzure_RefusesToStart()
    {
        await using var app = await Build(new() { ["WEBSITE_SITE_NAME"] = "modelgate-prod", ["Identity:DevelopmentIssuer:Enabled"] = "false" });
        var error = Assert.ThrowsAny<Exception>(() => app.Server);
        Assert.Contains("UseDevelopmentCredential", Flatten(error));
    }

    [Fact]
    public async Task MissingTenant_WithoutDevelopmentIssuer_RefusesToStartNamingTheSetting()
    {
        await using var app = await Build(new() { ["Identity:DevelopmentIssuer:Enabled"] = "false" });
        var error = Assert.ThrowsAny<Exception>(() => app.Server);
        Assert.Contains("Identity:TenantId", Flatten(error));
    }

    [Fact]
    public async Task MissingTableEndpoint_RefusesToStartNamingTheSetting()
    {
        await using var app = await Build(new() { ["Storage:TableServiceUri"] = "" });
        var error = Assert.ThrowsAny<Exception>(() => app.Server);
        Assert.Contains("TableServiceUri", Flatten(error));
    }

    private static async Task<ModelGateFactory> Build(Dictionary<string, string?> overrides) =>
        new(await SharedAzurite.GetAsync(), await SharedKeyVault.GetAsync(), overrides);

    private static string Flatten(Exception e) => e is AggregateException a
        ? string.Join(" | ", a.Flatten().InnerExceptions.Select(Flatten))
        : e.Message + (e.InnerException is null ? "" : " | " + Flatten(e.InnerException));
}
