using System.Globalization;
using System.Text.Json;
using Azure;

namespace ModelGate.Storage;

// Entity bodies in the Table service's JSON. Types JSON cannot carry exactly travel as
// "Name@odata.type" annotations beside the value: Int64 (as a string, since JSON numbers lose digits past
// 2^53), DateTime, Guid and Binary; the service echoes them back under odata=minimalmetadata.
internal static class TableEntityJson
{
    private const string TypeAnnotationSuffix = "@odata.type";
    private const string EdmInt32 = "Edm.Int32";
    private const string EdmInt64 = "Edm.Int64";
    private const string EdmDouble = "Edm.Double";
    private const string EdmDateTime = "Edm.DateTime";
    private const string EdmGuid = "Edm.Guid";
    private const string EdmBinary = "Edm.Binary";
    private const string EdmBoolean = "Edm.Boolean";
    private const string EdmString = "Edm.String";

    private static readonly JsonEncodedText Int64Type = JsonEncodedText.Encode(EdmInt64);
    private static readonly JsonEncodedText DoubleType = JsonEncodedText.Encode(EdmDouble);
    private static readonly JsonEncodedText DateTimeType = JsonEncodedText.Encode(EdmDateTime);
    private static readonly JsonEncodedText GuidType = JsonEncodedText.Encode(EdmGuid);
    private static readonly JsonEncodedText BinaryType = JsonEncodedText.Encode(EdmBinary);

    public static void Write(Utf8JsonWriter writer, TableEntity entity)
    {
        Span<char> digits = stackalloc char[20];
        writer.WriteStartObject();
        foreach ((string name, object? value) in entity)
        {
            // The service owns the timestamp and takes the ETag from If-Match, never from the body.
            if (value is null || name is TableEntity.TimestampName or TableEntity.ETagName)
            {
                continue;
            }

            switch (value)
            {
                case string text:
                    writer.WriteString(name, text);
                    break;
                case bool flag:
                    writer.WriteBoolean(name, flag);
                    break;
                case int number:
                    writer.WriteNumber(name, number);
                    break;
                case long number:
                    WriteAnnotation(writer, name, Int64Type);
                    number.TryFormat(digits, out int written, provider: CultureInfo.InvariantCulture);
                    writer.WriteString(name, digits[..written]);
                    break;
                case double number:
                    WriteDouble(writer, name, number);
                    break;
                case float number:
                    WriteDouble(writer, name, number);
                    break;
                case DateTimeOffset moment:
                    WriteAnnotation(writer, name, DateTimeType);
                    writer.WriteString(name, moment.UtcDateTime);
                    break;
                case DateTime moment:
                    WriteAnnotation(writer, name, DateTimeType);
                    writer.WriteString(name, TableEntity.ToUtc(moment).UtcDateTime);
                    break;
                case Guid id:
                    WriteAnnotation(writer, name, GuidType);
                    writer.WriteString(name, id);
                    break;
                case byte[] bytes:
                    WriteAnnotation(writer, name, BinaryType);
                    writer.WriteBase64String(name, bytes);
                    break;
                case BinaryData data:
                    WriteAnnotation(writer, name, BinaryType);
                    writer.WriteBase64String(name, data.ToMemory().Span);
                    break;
                default:
                    throw new ArgumentException(
                        $"Property '{name}' is a {value.GetType().Name}, which Table Storage cannot store.", nameof(entity));
            }
        }

        writer.WriteEndObject();
    }

    public static TableEntity Read(JsonElement element)
    {
        var entity = new TableEntity();
        Dictionary<string, string>? pendingTypes = null;
        foreach (JsonProperty property in element.EnumerateObject())
        {
            string name = property.Name;
            if (name.EndsWith(TypeAnnotationSuffix, StringComparison.Ordinal))
            {
                string target = name[..^TypeAnnotationSuffix.Length];
                string edmType = property.Value.GetString() ?? string.Empty;
                if (entity.TryGetValue(target, out object? earlier) && earlier is not null)
                {
                    // The annotation came after its value: convert what was read untyped.
                    entity[target] = Retype(earlier, edmType);
                }
                else
                {
                    (pendingTypes ??= new Dictionary<string, string>(StringComparer.Ordinal))[target] = edmType;
                }

                continue;
            }

            if (name == TableEntity.ETagName)
            {
                entity[name] = property.Value.GetString();
                continue;
            }

            if (name.StartsWith("odata.", StringComparison.Ordinal))
            {
                continue;
            }

            if (name == TableEntity.TimestampName && property.Value.ValueKind == JsonValueKind.String)
            {
                entity[name] = ParseDateTime(property.Value.GetString()!);
                continue;
            }

            string? type = null;
            pendingTypes?.Remove(name, out type);
            object? value = type is null ? ReadUntyped(property.Value) : ReadTyped(property.Value, type);
            if (value is not null)
            {
                entity[name] = value;
            }
        }

        return entity;
    }

    private static void WriteAnnotation(Utf8JsonWriter writer, string name, JsonEncodedText edmType) =>
        writer.WriteString(name + TypeAnnotationSuffix, edmType);

    private static void WriteDouble(Utf8JsonWriter writer, string name, double number)
    {
        // Without the annotation a whole number (1.0 is written as 1) would be stored as Int32.
        WriteAnnotation(writer, name, DoubleType);
        if (double.IsFinite(number))
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteString(name, double.IsNaN(number) ? "NaN" : number > 0 ? "Infinity" : "-Infinity");
        }
    }

    private static object? ReadUntyped(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        // A number with a fraction or exponent is a Double even when whole ("1.0"); TryGetInt32 refuses those.
        JsonValueKind.Number when value.TryGetInt32(out int int32) => int32,
        JsonValueKind.Number => value.GetDouble(),
        _ => null,
    };

    private static object? ReadTyped(JsonElement value, string edmType)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return ParseTyped(value.GetString()!, edmType);
        }

        return edmType switch
        {
            EdmInt64 => value.GetInt64(),
            EdmInt32 => value.GetInt32(),
            EdmDouble => value.GetDouble(),
            _ => ReadUntyped(value),
        };
    }

    private static object Retype(object value, string edmType) => value switch
    {
        string text => ParseTyped(text, edmType),
        int number when edmType == EdmInt64 => (long)number,
        int number when edmType == EdmDouble => (double)number,
        _ => value,
    };

    private static object ParseTyped(string text, string edmType)
    {
        try
        {
            return edmType switch
            {
                EdmInt64 => long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
                EdmInt32 => int.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
                EdmDouble => text switch
                {
                    "NaN" => double.NaN,
                    "Infinity" => double.PositiveInfinity,
                    "-Infinity" => double.NegativeInfinity,
                    _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
                },
                EdmDateTime => ParseDateTime(text),
                EdmGuid => Guid.Parse(text),
                EdmBinary => Convert.FromBase64String(text),
                EdmBoolean => bool.Parse(text),
                EdmString => text,
                _ => text,
            };
        }
        catch (FormatException e)
        {
            throw new RequestFailedException($"The service sent '{text}' as {edmType}, which does not parse.", e);
        }
        catch (OverflowException e)
        {
            throw new RequestFailedException($"The service sent '{text}' as {edmType}, which is out of range.", e);
        }
    }

    private static DateTimeOffset ParseDateTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
