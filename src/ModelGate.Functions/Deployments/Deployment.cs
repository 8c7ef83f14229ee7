using System.ComponentModel.DataAnnotations;
using Azure;
using ModelGate.ModelGroups;

namespace ModelGate.Deployments;

public enum DeploymentKind { Chat, Predict }

/// <summary>A model served at an upstream URL, reachable through the gateway under its DNS-label name.</summary>
public sealed record Deployment(
    string Name,
    string ModelId,
    string ModelGroupId,
    bool ModelHidden,
    DeploymentKind Kind,
    Uri UpstreamUrl,
    string? Description,
    decimal PricePerCall,
    Owner CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public ETag ETag { get; init; }

    /// <summary>Calls per minute allowed per API key on this deployment; null = no limit.</summary>
    public int? RequestsPerMinute { get; init; }

    /// <summary>Calls per calendar month (UTC) allowed per user on this deployment; null = no quota.</summary>
    public long? MonthlyCallQuotaPerUser { get; init; }

    /// <summary>How the gateway authenticates to the upstream; the caller's key is never forwarded.</summary>
    public UpstreamAuth UpstreamAuth { get; init; } = UpstreamAuth.None;
}

public enum UpstreamAuthType { None, Header, ManagedIdentity }

/// <summary>
/// The upstream's own credentials: a header whose value is a Key Vault secret (e.g. an OpenAI-style
/// api-key), or a managed-identity bearer token for a scope (Azure OpenAI: https://cognitiveservices.azure.com/.default).
/// </summary>
public sealed record UpstreamAuth(UpstreamAuthType Type, string? HeaderName = null, string? SecretName = null, string? Scope = null)
{
    public static readonly UpstreamAuth None = new(UpstreamAuthType.None);
}

/// <summary>The Entra ID groups granted to invoke one deployment, stored exactly as given (ordinal matching).</summary>
public sealed record ExternalGrants(string DeploymentName, IReadOnlyList<string> Groups)
{
    public ETag ETag { get; init; }

    public bool Grants(IReadOnlyList<string> userGroups)
    {
        // Indexing, not foreach: this runs on every model call, and an interface enumerator is an allocation.
        for (var i = 0; i < userGroups.Count; i++)
            for (var j = 0; j < Groups.Count; j++)
                if (string.Equals(userGroups[i], Groups[j], StringComparison.Ordinal)) return true;
        return false;
    }
}

/// <summary>Where deployments are reached (section "Gateway").</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>
    /// DNS suffix of deployment hosts: a deployment named "fraud" is reached as fraud.SUFFIX (a wildcard
    /// custom domain). In Azure it defaults to the app's own host name (WEBSITE_HOSTNAME).
    /// </summary>
    [RegularExpression(@"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$")]
    public string HostSuffix { get; set; } = "";

    /// <summary>
    /// The gateway's public base URL; cards use path routing under it (BASE/deployments/NAME), which needs no
    /// DNS. In Azure it defaults to https://WEBSITE_HOSTNAME.
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>Fills what is unset from the host name App Service gives the app.</summary>
    public void DefaultFrom(string? websiteHostName)
    {
        if (string.IsNullOrEmpty(websiteHostName)) return;
        if (string.IsNullOrEmpty(HostSuffix)) HostSuffix = websiteHostName.ToLowerInvariant();
        PublicBaseUrl ??= new Uri("https://" + websiteHostName);
    }

    public string HostFor(string deploymentName) => deploymentName + "." + HostSuffix;

    public string UriFor(string deploymentName) => PublicBaseUrl!.AbsoluteUri.TrimEnd('/') + "/deployments/" + deploymentName;
}
