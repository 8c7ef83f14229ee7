namespace ModelGate.DevHost.Graph;

/// <summary>A group in the seed file; members are ids of users or of other groups.</summary>
internal sealed record SeedGroup(string? Id, string? DisplayName, IReadOnlyList<string>? Members);
