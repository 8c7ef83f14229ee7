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
}

/// <summary>The Entra ID groups granted to invoke one deployment, stored exactly as given (ordinal matching).</summary>
public sealed record ExternalGrants(string DeploymentName, IReadOnlyList<string> Groups)
{
    public ETag ETag { get; init; }

    public bool Grants(IReadOnlyList<string> userGroups)
    {
        foreach (var group in userGroups)
            foreach (var granted in Groups)
                if (string.Equals(group, granted, StringComparison.Ordinal)) return true;
        return false;
    }
}

/// <summary>Where deployments are reached (section "Gateway").</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>DNS suffix of deployment hosts: a deployment named "fraud" is reached as fraud.SUFFIX.</summary>
    [Required, RegularExpression(@"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$")]
    public string HostSuffix { get; set; } = "";

    /// <summary>The gateway's public base URL; cards use path routing under it (BASE/deployments/NAME), which needs no DNS.</summary>
    [Required]
    public Uri? PublicBaseUrl { get; set; }

    public string HostFor(string deploymentName) => deploymentName + "." + HostSuffix;

    public string UriFor(string deploymentName) => PublicBaseUrl!.AbsoluteUri.TrimEnd('/') + "/deployments/" + deploymentName;
}
