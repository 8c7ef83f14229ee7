using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Azure;

namespace ModelGate.Storage;

/// <summary>
/// A row of a table: a case-sensitive bag of properties. As in Azure.Data.Tables, the system properties
/// (<c>PartitionKey</c>, <c>RowKey</c>, <c>Timestamp</c>, <c>odata.etag</c>) live in the bag too, and reading a
/// missing property through the indexer gives <see langword="null"/> rather than throwing.
/// Values may be <see cref="string"/>, <see cref="bool"/>, <see cref="int"/>, <see cref="long"/>,
/// <see cref="double"/>, <see cref="DateTimeOffset"/>, <see cref="DateTime"/>, <see cref="Guid"/>,
/// <see cref="byte"/>[] or <see cref="BinaryData"/>; a <see langword="null"/> value is not stored.
/// </summary>
public sealed class TableEntity : IDictionary<string, object?>
{
    internal const string PartitionKeyName = "PartitionKey";
    internal const string RowKeyName = "RowKey";
    internal const string TimestampName = "Timestamp";
    internal const string ETagName = "odata.etag";

    private readonly Dictionary<string, object?> _properties;

    public TableEntity()
    {
        _properties = new Dictionary<string, object?>(StringComparer.Ordinal);
    }

    public TableEntity(string partitionKey, string rowKey)
        : this()
    {
        PartitionKey = partitionKey;
        RowKey = rowKey;
    }

    /// <summary>The partition key; empty when the entity was read without it (a <c>$select</c> that left it out).</summary>
    public string PartitionKey
    {
        get => _properties.GetValueOrDefault(PartitionKeyName) as string ?? string.Empty;
        set => _properties[PartitionKeyName] = value;
    }

    /// <summary>The row key; empty when the entity was read without it.</summary>
    public string RowKey
    {
        get => _properties.GetValueOrDefault(RowKeyName) as string ?? string.Empty;
        set => _properties[RowKeyName] = value;
    }

    /// <summary>The version read from the service; pass it as <c>ifMatch</c> to write only over that version.</summary>
    public ETag ETag
    {
        get => _properties.GetValueOrDefault(ETagName) is string etag ? new ETag(etag) : default;
        set => SetOrRemove(ETagName, value == default ? null : value.ToString());
    }

    /// <summary>When the service last wrote the entity. The service sets it; it is never sent.</summary>
    public DateTimeOffset? Timestamp
    {
        get => GetDateTimeOffset(TimestampName);
        set => SetOrRemove(TimestampName, value);
    }

    public string? GetString(string key) => GetValue(key) switch
    {
        null => null,
        string value => value,
        var other => throw TypeMismatch(key, other, "String"),
    };

    public int? GetInt32(string key) => GetValue(key) switch
    {
        null => null,
        int value => value,
        var other => throw TypeMismatch(key, other, "Int32"),
    };

    /// <summary>Reads an Int64; an Int32 value is widened.</summary>
    public long? GetInt64(string key) => GetValue(key) switch
    {
        null => null,
        long value => value,
        int value => value,
        var other => throw TypeMismatch(key, other, "Int64"),
    };

    public bool? GetBoolean(string key) => GetValue(key) switch
    {
        null => null,
        bool value => value,
        var other => throw TypeMismatch(key, other, "Boolean"),
    };

    /// <summary>
    /// Reads a Double. Integer values are widened, because another writer may have stored a whole number
    /// without the Edm.Double annotation, which the service then keeps as an integer.
    /// </summary>
    public double? GetDouble(string key) => GetValue(key) switch
    {
        null => null,
        double value => value,
        float value => value,
        int value => value,
        long value => value,
        var other => throw TypeMismatch(key, other, "Double"),
    };

    /// <summary>Reads a date and time; a <see cref="DateTime"/> of unspecified kind is taken as UTC, as the service does.</summary>
    public DateTimeOffset? GetDateTimeOffset(string key) => GetValue(key) switch
    {
        null => null,
        DateTimeOffset value => value,
        DateTime value => ToUtc(value),
        var other => throw TypeMismatch(key, other, "DateTime"),
    };

    public Guid? GetGuid(string key) => GetValue(key) switch
    {
        null => null,
        Guid value => value,
        var other => throw TypeMismatch(key, other, "Guid"),
    };

    public byte[]? GetBinary(string key) => GetValue(key) switch
    {
        null => null,
        byte[] value => value,
        BinaryData value => value.ToArray(),
        var other => throw TypeMismatch(key, other, "Binary"),
    };

    public object? this[string key]
    {
        get => GetValue(key);
        set => _properties[key] = value;
    }

    public ICollection<string> Keys => _properties.Keys;

    public ICollection<object?> Values => _properties.Values;

    public int Count => _properties.Count;

    bool ICollection<KeyValuePair<string, object?>>.IsReadOnly => false;

    public void Add(string key, object? value) => _properties.Add(key, value);

    public bool ContainsKey(string key) => _properties.ContainsKey(key);

    public bool Remove(string key) => _properties.Remove(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value) => _properties.TryGetValue(key, out value);

    public void Clear() => _properties.Clear();

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _properties.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    void ICollection<KeyValuePair<string, object?>>.Add(KeyValuePair<string, object?> item) =>
        ((ICollection<KeyValuePair<string, object?>>)_properties).Add(item);

    bool ICollection<KeyValuePair<string, object?>>.Contains(KeyValuePair<string, object?> item) =>
        ((ICollection<KeyValuePair<string, object?>>)_properties).Contains(item);

    void ICollection<KeyValuePair<string, object?>>.CopyTo(KeyValuePair<string, object?>[] array, int arrayIndex) =>
        ((ICollection<KeyValuePair<string, object?>>)_properties).CopyTo(array, arrayIndex);

    bool ICollection<KeyValuePair<string, object?>>.Remove(KeyValuePair<string, object?> item) =>
        ((ICollection<KeyValuePair<string, object?>>)_properties).Remove(item);

    internal static DateTimeOffset ToUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Unspecified => new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)),
        _ => new DateTimeOffset(value.ToUniversalTime()),
    };

    private object? GetValue(string key) => _properties.GetValueOrDefault(key);

    private void SetOrRemove(string key, object? value)
    {
        if (value is null)
        {
            _properties.Remove(key);
        }
        else
        {
            _properties[key] = value;
        }
    }

    private static InvalidOperationException TypeMismatch(string key, object value, string expected) =>
        new($"Property '{key}' holds a {value.GetType().Name}, not a {expected}.");
}
