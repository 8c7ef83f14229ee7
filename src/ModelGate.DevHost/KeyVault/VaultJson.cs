using System.Text.Json;

namespace ModelGate.DevHost.KeyVault;

/// <summary>The JSON shapes Key Vault answers with: camelCase, times in unix seconds, ids naming the vault.</summary>
internal static class VaultJson
{
    private const string RecoveryLevel = "Recoverable";
    private const int RecoverableDays = 90;

    public static void WriteSecretBundle(Utf8JsonWriter writer, string vault, string name, StoredSecretVersion version, bool includeValue)
    {
        writer.WriteStartObject();
        if (includeValue)
        {
            writer.WriteString("value", version.Value);
        }

        WriteVersionProperties(writer, $"{vault}secrets/{name}/{version.Version}", version);
        writer.WriteEndObject();
    }

    public static void WriteDeletedSecretBundle(Utf8JsonWriter writer, string vault, StoredSecret secret)
    {
        writer.WriteStartObject();
        writer.WriteString("recoveryId", $"{vault}deletedsecrets/{secret.Name}");
        writer.WriteNumber("deletedDate", secret.DeletedDate ?? 0);
        writer.WriteNumber("scheduledPurgeDate", secret.ScheduledPurgeDate ?? 0);
        WriteVersionProperties(writer, $"{vault}secrets/{secret.Name}/{secret.Latest.Version}", secret.Latest);
        writer.WriteEndObject();
    }

    /// <summary>A list page: secrets are named by their unversioned id, versions by their versioned id.</summary>
    public static void WriteSecretItems(Utf8JsonWriter writer, IEnumerable<(string Id, StoredSecretVersion Version)> items, string? nextLink)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("value");
        foreach (var (id, version) in items)
        {
            writer.WriteStartObject();
            WriteVersionProperties(writer, id, version);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (nextLink is null)
        {
            writer.WriteNull("nextLink");
        }
        else
        {
            writer.WriteString("nextLink", nextLink);
        }

        writer.WriteEndObject();
    }

    public static void WriteError(Utf8JsonWriter writer, string code, string message, string? innerCode)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("code", code);
        writer.WriteString("message", message);
        if (innerCode is not null)
        {
            writer.WriteStartObject("innererror");
            writer.WriteString("code", innerCode);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteVersionProperties(Utf8JsonWriter writer, string id, StoredSecretVersion version)
    {
        if (version.ContentType is not null)
        {
            writer.WriteString("contentType", version.ContentType);
        }

        writer.WriteString("id", id);
        writer.WriteStartObject("attributes");
        writer.WriteBoolean("enabled", version.Enabled);
        if (version.NotBefore is { } notBefore)
        {
            writer.WriteNumber("nbf", notBefore);
        }

        if (version.Expires is { } expires)
        {
            writer.WriteNumber("exp", expires);
        }

        writer.WriteNumber("created", version.Created);
        writer.WriteNumber("updated", version.Updated);
        writer.WriteString("recoveryLevel", RecoveryLevel);
        writer.WriteNumber("recoverableDays", RecoverableDays);
        writer.WriteEndObject();

        if (version.Tags is { Count: > 0 } tags)
        {
            writer.WriteStartObject("tags");
            foreach (var (tagName, tagValue) in tags)
            {
                writer.WriteString(tagName, tagValue);
            }

            writer.WriteEndObject();
        }
    }
}
