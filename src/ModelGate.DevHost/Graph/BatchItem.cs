namespace ModelGate.DevHost.Graph;

/// <summary>One request inside a <c>$batch</c>, as the client sent it.</summary>
internal sealed record BatchItem(string Id, string Method, string Url, byte[] Body, IReadOnlyList<string> DependsOn);
