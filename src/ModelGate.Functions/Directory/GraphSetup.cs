using Azure.Core;
using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Graph.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;
using ModelGate.Hosting;

namespace ModelGate.Directory;

public static class GraphSetup
{
    /// <summary>
    /// One <see cref="GraphServiceClient"/> for the app, on the SDK's own handler pipeline (its retry handler honours
    /// Retry-After on 429, 503 and 504), authenticated with the app's credential, plus the <see cref="EntraDirectory"/>
    /// built on it.
    /// </summary>
    public static IServiceCollection AddGraph(this IServiceCollection services, IConfiguration configuration)
    {
        var configured = configuration.GetSection(GraphOptions.Section).Get<GraphOptions>() ?? new GraphOptions();
        if (configured.BaseUrl.IsAbsoluteUri && configured.BaseUrl.Scheme == Uri.UriSchemeHttp && AzureEnvironment.IsAzure(configuration))
            throw new InvalidOperationException("Graph:BaseUrl is plain http, which is for the local Graph fake only; the app runs in Azure.");

        services.AddOptions<GraphOptions>().BindConfiguration(GraphOptions.Section)
            .Validate(o => o.Problem() is null,
                "Graph options are not valid: Graph:BaseUrl must be https://HOST/v1.0 (http only on loopback), Graph:MaxRetries 0-10, " +
                "Graph:MaxRetryWait at most 5 minutes, Graph:BatchItemAttempts 1-10.")
            .ValidateOnStart();

        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<GraphOptions>>().Value;
            return CreateClient(options, sp.GetRequiredService<TokenCredential>());
        });
        services.AddSingleton<EntraDirectory>();
        return services;
    }

    internal static GraphServiceClient CreateClient(GraphOptions options, TokenCredential credential)
    {
        // The SDK's handlers as they are, but with the retry handler bounded by the options: the same Retry-After
        // handling, and a bound on the wait so a caller gets 503 rather than waiting out a long throttle.
        var handlers = GraphClientFactory.CreateDefaultHandlers();
        var retry = handlers.OfType<RetryHandler>().Single();
        handlers[handlers.IndexOf(retry)] = new RetryHandler(new RetryHandlerOption
        {
            MaxRetry = options.MaxRetries,
            RetriesTimeLimit = options.MaxRetryWait,
        });
        var http = GraphClientFactory.Create(handlers);
        http.Timeout = options.MaxRetryWait + TimeSpan.FromSeconds(30);

        // The provider hands tokens only to the hosts it allows; by default those are Graph's own, so the fake's host
        // must be named or its requests would leave without a token.
        var authentication = new AzureIdentityAuthenticationProvider(
            credential,
            allowedHosts: [options.BaseUrl.Host],
            observabilityOptions: null,
            isCaeEnabled: true,
            scopes: [Scope(options.BaseUrl)]);
        return new GraphServiceClient(http, authentication, options.BaseUrl.AbsoluteUri.TrimEnd('/'));
    }

    // Tokens are for Graph's resource, whose id national clouds spell with their own host; the fake takes any token.
    private static string Scope(Uri baseUrl) => GraphOptions.IsLoopback(baseUrl)
        ? "https://graph.microsoft.com/.default"
        : $"https://{baseUrl.Host}/.default";
}
