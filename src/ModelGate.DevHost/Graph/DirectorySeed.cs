namespace ModelGate.DevHost.Graph;

/// <summary>The seed file: <c>{"users":[{"id","displayName"}],"groups":[{"id","displayName","members":[ids]}]}</c>.</summary>
internal sealed record DirectorySeed(IReadOnlyList<SeedUser>? Users, IReadOnlyList<SeedGroup>? Groups);
