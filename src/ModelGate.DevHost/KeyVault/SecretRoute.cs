namespace ModelGate.DevHost.KeyVault;

/// <summary>What a request asks for. An empty <see cref="Version"/> means the latest version.</summary>
internal sealed record SecretRoute(SecretOperation Operation, string Name, string Version)
{
    public static SecretRoute? Match(string method, PathString path)
    {
        var segments = (path.Value ?? string.Empty).TrimStart('/').Split('/');
        var name = segments.Length > 1 ? segments[1] : string.Empty;
        var get = HttpMethods.IsGet(method);

        if (IsSegment(segments[0], "deletedsecrets"))
        {
            return segments.Length == 2 && get ? new(SecretOperation.GetDeletedSecret, name, string.Empty) : null;
        }

        if (!IsSegment(segments[0], "secrets"))
        {
            return null;
        }

        return segments.Length switch
        {
            // A trailing slash after the collection is still the collection.
            1 or 2 when name.Length == 0 => get ? new(SecretOperation.ListSecrets, string.Empty, string.Empty) : null,
            2 when get => new(SecretOperation.GetSecret, name, string.Empty),
            2 when HttpMethods.IsPut(method) => new(SecretOperation.SetSecret, name, string.Empty),
            2 when HttpMethods.IsPatch(method) => new(SecretOperation.UpdateSecret, name, string.Empty),
            2 when HttpMethods.IsDelete(method) => new(SecretOperation.DeleteSecret, name, string.Empty),
            // Versions are 32 hex characters, so the literal "versions" cannot be one.
            3 when IsSegment(segments[2], "versions") => get ? new(SecretOperation.ListVersions, name, string.Empty) : null,
            // SecretClient asks for the latest version as "/secrets/{name}/", an empty last segment.
            3 when get => new(SecretOperation.GetSecret, name, segments[2]),
            3 when HttpMethods.IsPatch(method) => new(SecretOperation.UpdateSecret, name, segments[2]),
            _ => null,
        };
    }

    private static bool IsSegment(string segment, string expected) =>
        string.Equals(segment, expected, StringComparison.OrdinalIgnoreCase);
}
