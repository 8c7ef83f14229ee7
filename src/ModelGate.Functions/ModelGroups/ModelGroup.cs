using Azure;

namespace ModelGate.ModelGroups;

public enum AccessMode { Public, Private, Restricted }

/// <summary>Who created a model group or model; the creator stays owner whoever registers models later.</summary>
public sealed record Owner(string Id, string Name);

/// <summary>A set of models sharing one access mode (OpenSearch ML Commons semantics).</summary>
public sealed record ModelGroup(
    string Id,
    string Name,
    string? Description,
    AccessMode AccessMode,
    IReadOnlyList<string> BackendRoles,
    Owner Owner,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int ModelCount,
    int LatestVersion)
{
    public ETag ETag { get; init; }
}

/// <summary>A registered model. Models registered by a SuperAdmin are hidden and their id is their name.</summary>
public sealed record Model(
    string Id,
    string Name,
    string? Description,
    string ModelGroupId,
    int Version,
    bool Hidden,
    Owner Owner,
    DateTimeOffset CreatedAt,
    int DeploymentCount = 0)
{
    public ETag ETag { get; init; }
}
