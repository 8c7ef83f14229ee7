namespace ModelGate.Directory;

/// <summary>A Graph change notification subscription: its id and when Graph drops it unless renewed.</summary>
public sealed record DirectorySubscription(string Id, DateTimeOffset ExpiresAt);
