using System.Text.Json.Serialization;

namespace ModelGate.DevHost.KeyVault;

/// <summary>A secret with its versions, oldest first; replaced, never changed, so readers need no lock.</summary>
internal sealed record StoredSecret
{
    public required string Name { get; init; }

    public required IReadOnlyList<StoredSecretVersion> Versions { get; init; }

    /// <summary>Set while the secret is soft-deleted: its name stays taken until purged.</summary>
    public long? DeletedDate { get; init; }

    public long? ScheduledPurgeDate { get; init; }

    [JsonIgnore]
    public bool IsDeleted => DeletedDate is not null;

    [JsonIgnore]
    public StoredSecretVersion Latest => Versions[^1];
}
