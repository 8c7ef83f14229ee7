namespace ModelGate.Storage;

// Checks and escapes partition keys, row keys and table names before anything is sent.
internal static class EntityKey
{
    // Keys are UTF-16 in the service and may take up to 1 KiB.
    private const int MaxKeyLength = 512;

    public static void Validate(string? key, string paramName)
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        if (key.Length > MaxKeyLength)
        {
            throw new ArgumentException($"A key may hold at most {MaxKeyLength} UTF-16 characters (1 KiB).", paramName);
        }

        foreach (char c in key)
        {
            // The service refuses these outright, and '/', '#' and '?' would also end the URL path early.
            if (c is '/' or '\\' or '#' or '?' || char.IsControl(c))
            {
                throw new ArgumentException($"A key may not contain '/', '\\', '#', '?' or control characters (found U+{(int)c:X4}).", paramName);
            }
        }
    }

    public static void Validate(TableEntity entity, string paramName)
    {
        ArgumentNullException.ThrowIfNull(entity, paramName);
        if (entity[TableEntity.PartitionKeyName] is not string partitionKey)
        {
            throw new ArgumentException("The entity has no string PartitionKey.", paramName);
        }

        if (entity[TableEntity.RowKeyName] is not string rowKey)
        {
            throw new ArgumentException("The entity has no string RowKey.", paramName);
        }

        Validate(partitionKey, paramName);
        Validate(rowKey, paramName);
    }

    // The path of one entity, relative to the service root: /table(PartitionKey='..',RowKey='..').
    public static string EntityPath(string tableName, string partitionKey, string rowKey) =>
        $"/{tableName}(PartitionKey='{Escape(partitionKey)}',RowKey='{Escape(rowKey)}')";

    public static void ValidateTableName(string? tableName)
    {
        ArgumentNullException.ThrowIfNull(tableName);
        bool valid = tableName.Length is >= 3 and <= 63 && char.IsAsciiLetter(tableName[0]);
        foreach (char c in tableName)
        {
            valid &= char.IsAsciiLetterOrDigit(c);
        }

        if (!valid)
        {
            throw new ArgumentException(
                $"'{tableName}' is not a valid table name: 3 to 63 ASCII letters or digits, starting with a letter.",
                nameof(tableName));
        }
    }

    // OData string literals double the quote; the result is then an ordinary URL path segment.
    private static string Escape(string key) => Uri.EscapeDataString(key.Replace("'", "''", StringComparison.Ordinal));
}
