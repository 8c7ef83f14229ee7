using Azure.Core;
using Azure.Identity;

namespace ModelGate.Hosting;

/// <summary>
/// The one identity the app uses toward Azure services: the user-assigned managed identity in Azure, or,
/// in local runs and tests, a development credential the loopback fakes accept.
/// </summary>
public static class Credentials
{
    public static IServiceCollection AddAzureCredential(this IServiceCollection services, IConfiguration configuration)
    {
        // Read here rather than through IOptions: the credential is built while services are still being registered.
        var options = configuration.GetSection(AzureOptions.Section).Get<AzureOptions>() ?? new AzureOptions();
        if (options.UseDevelopmentCredential && AzureEnvironment.IsAzure(configuration))
            throw new InvalidOperationException("Azure:UseDevelopmentCredential is for local runs only; the app runs in Azure.");
        var clientId = options.ManagedIdentityClientId;
        services.AddSingleton<TokenCredential>(options.UseDevelopmentCredential
            ? new DevelopmentCredential()
            : new ManagedIdentityCredential(string.IsNullOrEmpty(clientId)
                ? ManagedIdentityId.SystemAssigned
                : ManagedIdentityId.FromUserAssignedClientId(clientId)));
        return services;
    }

    /// <summary>Hands out a fixed token that only the loopback fakes accept.</summary>
    private sealed class DevelopmentCredential : TokenCredential
    {
        private static readonly AccessToken Token = new("modelgate-development-token", DateTimeOffset.MaxValue);
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => Token;
        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => new(Token);
    }
}
