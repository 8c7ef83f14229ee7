using System.Text;
using System.Text.Json;

namespace ModelGate.DevHost.KeyVault;

/// <summary>
/// The body of a set (PUT) or update (PATCH) request. A null member was not sent and, on update,
/// leaves the stored property as it is.
/// </summary>
internal sealed record SecretChange(
    string? Value,
    string? ContentType,
    bool? Enabled,
    long? NotBefore,
    long? Expires,
    IReadOnlyDictionary<string, string>? Tags)
{
    private const int MaxValueBytes = 25 * 1024;
    private const int MaxContentTypeLength = 255;
    private const int MaxTags = 15;
    private const int MaxTagNameLength = 512;
    private const int MaxTagValueLength = 256;

    public static async Task<SecretChange> ReadAsync(HttpRequest request, bool valueRequired, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, default, cancellationToken);
        }
        catch (JsonException)
        {
            throw VaultErrorException.BadParameter("The request body is not valid JSON.");
        }
        catch (BadHttpRequestException tooLarge)
        {
            throw new VaultErrorException(tooLarge.StatusCode, "BadParameter", "The request body is too large.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw VaultErrorException.BadParameter("The request body must be a JSON object.");
            }

            var value = valueRequired ? ReadValue(root) : null;
            var contentType = ReadString(root, "contentType");
            if (contentType?.Length > MaxContentTypeLength)
            {
                throw VaultErrorException.BadParameter($"contentType is longer than {MaxContentTypeLength} characters.");
            }

            bool? enabled = null;
            long? notBefore = null;
            long? expires = null;
            if (root.TryGetProperty("attributes", out var attributes) && attributes.ValueKind != JsonValueKind.Null)
            {
                if (attributes.ValueKind != JsonValueKind.Object)
                {
                    throw VaultErrorException.BadParameter("attributes must be an object.");
                }

                enabled = ReadBoolean(attributes, "enabled");
                notBefore = ReadUnixTime(attributes, "nbf");
                expires = ReadUnixTime(attributes, "exp");
            }

            return new SecretChange(value, contentType, enabled, notBefore, expires, ReadTags(root));
        }
    }

    private static string ReadValue(JsonElement root)
    {
        var value = ReadString(root, "value")
            ?? throw VaultErrorException.BadParameter("The secret value is required.");

        // The service limit is on bytes, and a value of multi-byte characters reaches it sooner.
        if (Encoding.UTF8.GetByteCount(value) > MaxValueBytes)
        {
            throw VaultErrorException.BadParameter($"The secret value is larger than {MaxValueBytes} bytes.");
        }

        return value;
    }

    private static string? ReadString(JsonElement parent, string property)
    {
        if (!parent.TryGetProperty(property, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return element.ValueKind == JsonValueKind.String
            ? element.GetString()
            : throw VaultErrorException.BadParameter($"{property} must be a string.");
    }

    private static bool? ReadBoolean(JsonElement parent, string property)
    {
        if (!parent.TryGetProperty(property, out var element))
        {
            return null;
        }

        return element.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw VaultErrorException.BadParameter($"attributes.{property} must be true or false."),
        };
    }

    private static long? ReadUnixTime(JsonElement parent, string property)
    {
        if (!parent.TryGetProperty(property, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var seconds) && seconds >= 0
            ? seconds
            : throw VaultErrorException.BadParameter($"attributes.{property} must be whole seconds since 1970.");
    }

    private static Dictionary<string, string>? ReadTags(JsonElement root)
    {
        if (!root.TryGetProperty("tags", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw VaultErrorException.BadParameter("tags must be an object of strings.");
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in element.EnumerateObject())
        {
            if (tag.Value.ValueKind != JsonValueKind.String)
            {
                throw VaultErrorException.BadParameter($"The value of tag '{tag.Name}' must be a string.");
            }

            var tagValue = tag.Value.GetString()!;
            if (tag.Name.Length > MaxTagNameLength || tagValue.Length > MaxTagValueLength)
            {
                throw VaultErrorException.BadParameter($"Tag '{tag.Name}' is too long.");
            }

            tags[tag.Name] = tagValue;
        }

        return tags.Count <= MaxTags
            ? tags
            : throw VaultErrorException.BadParameter($"A secret has at most {MaxTags} tags.");
    }
}
