namespace ModelGate.ApiKeys;

/// <summary>
/// A key that verified: who it belongs to, what it may reach and until when. Instances are shared by every
/// call that hits the same cache entry, so it is immutable and precomputes what the proxy needs per call.
/// </summary>
public sealed class VerifiedApiKey
{
    private readonly string[] deployments;

    public VerifiedApiKey(string keyId, string userId, IReadOnlyList<string> deployments, DateTimeOffset expiresAt)
    {
        KeyId = keyId;
        UserId = userId;
        // User ids are built from key-safe parts that cannot contain ':', so the first ':' is the separator.
        var colon = userId.IndexOf(':', StringComparison.Ordinal);
        TenantId = colon < 0 ? userId : userId[..colon];
        ObjectId = colon < 0 ? "" : userId[(colon + 1)..];
        this.deployments = [.. deployments];
        ExpiresAt = expiresAt;
    }

    public string KeyId { get; }

    /// <summary>Owner as "tenant:object"; <see cref="TenantId"/> and <see cref="ObjectId"/> find the sign-in record.</summary>
    public string UserId { get; }

    public string TenantId { get; }

    public string ObjectId { get; }

    /// <summary>Deployments the key is limited to; empty means every deployment its owner may invoke.</summary>
    public IReadOnlyList<string> Deployments => deployments;

    public DateTimeOffset ExpiresAt { get; }

    /// <summary>True when the key's scope includes the deployment (ordinal, as names are stored).</summary>
    public bool IsScopedTo(string deploymentName)
    {
        if (deployments.Length == 0) return true;
        foreach (var name in deployments)
            if (string.Equals(name, deploymentName, StringComparison.Ordinal)) return true;
        return false;
    }
}
