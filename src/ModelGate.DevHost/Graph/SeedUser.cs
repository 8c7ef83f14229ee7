namespace ModelGate.DevHost.Graph;

/// <summary>A user in the seed file.</summary>
internal sealed record SeedUser(string? Id, string? DisplayName);
