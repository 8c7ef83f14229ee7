using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ModelGate.ApiKeys;

public static class ApiKeysSetup
{
    public static IServiceCollection AddApiKeys(this IServiceCollection services)
    {
        services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.DefaultExpiryDays <= o.MaxExpiryDays, "ApiKeys:DefaultExpiryDays must not exceed ApiKeys:MaxExpiryDays.")
            .ValidateOnStart();
        // Expiry and cache bounds are decided on this clock, so tests can move time instead of waiting.
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<ApiKeySecrets>();
        services.AddSingleton<ApiKeyVerifier>();
        services.AddSingleton<ApiKeyIssuer>();
        return services;
    }
}
