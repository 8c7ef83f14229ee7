using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGate.ApiKeys;
using ModelGate.Deployments;
using ModelGate.Directory;
using ModelGate.ExternalAccess;
using ModelGate.GroupFreshness;
using ModelGate.Health;
using ModelGate.Identity;
using ModelGate.Invoke;
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
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section);
        services.AddOptions<SettingsDefaults>().BindConfiguration(SettingsDefaults.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddAzureCredential(builder.Configuration);
        services.AddTableStorage();
        services.AddKeyVault(builder.Configuration);
        services.AddGraph(builder.Configuration);
        builder.AddIdentity();
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section)
            .PostConfigure(o => o.DefaultFrom(builder.Configuration["WEBSITE_HOSTNAME"]))
            .ValidateDataAnnotations()
            .Validate(o => o.HostSuffix.Length > 0 && o.PublicBaseUrl is { IsAbsoluteUri: true },
                "Set Gateway:HostSuffix and Gateway:PublicBaseUrl (in Azure they default to WEBSITE_HOSTNAME).")
            .ValidateOnStart();
        services.AddSingleton<SettingsStore>();
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<DeploymentCatalog>();
        services.AddSingleton<SignIns>();
        services.AddSingleton<GroupResolver>();
        services.AddOptions<InvokeOptions>().BindConfiguration(InvokeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<Forwarder>();
        services.AddSingleton<InvokeRouter>();
        services.AddSingleton<InvokeCatalog>();
        services.AddSingleton<InvokeProxy>();
        services.AddApiKeys();
        services.AddUsage();
        services.AddLimits();
        services.AddGroupFreshness();
        services.AddOpenApi();
        return builder;
    }

    public static WebApplication MapModelGate(this WebApplication app)
    {
        app.UseProblemResponses();
        // Model calls branch off before authentication: they carry API keys, not Entra tokens.
        var router = app.Services.GetRequiredService<InvokeRouter>();
        var proxy = app.Services.GetRequiredService<InvokeProxy>();
        app.Use((context, next) =>
        {
            if (!router.IsInvocation(context)) return next(context);
            // An upstream's own 404 or 500 passes through as it is, without our problem body on top.
            context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>()?.Enabled = false;
            return proxy.InvokeAsync(context);
        });
        app.UseCurrentRequest();
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
        app.MapTimerJobs();
        app.MapGraphNotifications();
        app.MapApiKeysApi();
        app.MapUsageApi();
        app.MapOpenApi("/api/openapi.json");
        return app;
    }
}
