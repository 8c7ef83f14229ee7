using ModelGate.Deployments;
using ModelGate.ExternalAccess;
using ModelGate.Health;
using ModelGate.Identity;
using ModelGate.KeyVault;
using ModelGate.Limits;
using ModelGate.ModelGroups;
using ModelGate.Problems;
using ModelGate.Settings;
using ModelGate.Storage;
using ModelGate.Usage;

namespace ModelGate.Hosting;

/// <summary>Wires every feature of the function app; shared by Program, the DevHost and the tests.</summary>
public static class ModelGateApp
{
    public static WebApplicationBuilder AddModelGate(this WebApplicationBuilder builder)
    {
        // As a Functions custom handler the host picks the port and proxies to loopback.
        if (builder.Configuration["FUNCTIONS_CUSTOMHANDLER_PORT"] is { Length: > 0 } port)
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");

        var services = builder.Services;
        services.AddProblemResponses();
        services.AddOptions<ApiOptions>().BindConfiguration("Api");
        services.AddOptions<SettingsDefaults>().BindConfiguration(SettingsDefaults.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddAzureCredential(builder.Configuration);
        services.AddTableStorage();
        services.AddKeyVault(builder.Configuration);
        builder.AddIdentity();
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SettingsStore>();
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<DeploymentCatalog>();
        services.AddSingleton<SignIns>();
        services.AddSingleton<GroupResolver>();
        services.AddUsage();
        services.AddLimits();
        services.AddOpenApi();
        return builder;
    }

    public static WebApplication MapModelGate(this WebApplication app)
    {
        app.UseProblemResponses();
        app.UseAuthentication();
        app.UseAuthorization();

        // The Functions host waits for any answer on GET / before it sends traffic.
        app.MapGet("/", () => Results.Text("ModelGate")).ExcludeFromDescription();
        app.MapIdentity();
        app.MapHealthApi();
        app.MapSettingsApi();
        app.MapModelGroupsApi();
        app.MapModelsApi();
        app.MapDeploymentsApi();
        app.MapMeApi();
        app.MapUsageApi();
        app.MapOpenApi("/api/openapi.json");
        return app;
    }
}
