using System.Text.Json;

namespace ModelGate.DevHost.Graph;

/// <summary>
/// Reads and checks the seed file. JSON with comments and trailing commas allowed, since people edit it by hand; any
/// mistake is reported with the file name and what is wrong, never half applied.
/// </summary>
internal static class SeedFile
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static DirectorySeed Parse(ReadOnlySpan<byte> bytes, string path)
    {
        DirectorySeed? seed;
        try
        {
            seed = JsonSerializer.Deserialize<DirectorySeed>(bytes, Json);
        }
        catch (JsonException invalid)
        {
            throw new InvalidDataException($"{path} is not a readable directory file: {invalid.Message}", invalid);
        }

        if (seed is null)
        {
            throw new InvalidDataException($"{path} is not a directory file: expected {{\"users\":[...],\"groups\":[...]}}.");
        }

        Check(seed, path);
        return seed;
    }

    private static void Check(DirectorySeed seed, string path)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, displayName) in (seed.Users ?? []).Select(u => (u.Id, u.DisplayName))
            .Concat((seed.Groups ?? []).Select(g => (g.Id, g.DisplayName))))
        {
            if (!TenantDirectory.IsValidId(id))
            {
                throw new InvalidDataException($"{path}: '{id}' is not a usable id (letters, digits, '.', '_', '~', '-'; up to 128).");
            }

            if (string.IsNullOrWhiteSpace(displayName) || displayName.Length > 256)
            {
                throw new InvalidDataException($"{path}: '{id}' needs a displayName of 1 to 256 characters.");
            }

            if (!ids.Add(id!))
            {
                throw new InvalidDataException($"{path}: the id '{id}' is used twice; users and groups share one id space.");
            }
        }

        foreach (var group in seed.Groups ?? [])
        {
            foreach (var member in group.Members ?? [])
            {
                if (member is null || !ids.Contains(member))
                {
                    throw new InvalidDataException($"{path}: group '{group.Id}' lists member '{member}', which is neither a user nor a group in the file.");
                }

                if (member == group.Id)
                {
                    throw new InvalidDataException($"{path}: group '{group.Id}' cannot be a member of itself.");
                }
            }
        }
    }
}
