using System.Globalization;

namespace ModelGate.Storage;

/// <summary>Builds OData <c>$filter</c> expressions in which interpolated values are always literals.</summary>
public static class TableFilter
{
    /// <summary>
    /// Formats <paramref name="filter"/> with every hole turned into a typed OData literal: strings quoted with
    /// <c>'</c> doubled, <c>long</c> with an <c>L</c> suffix, dates as <c>datetime'..'</c>, GUIDs as
    /// <c>guid'..'</c>, bytes as <c>X'..'</c>. A value can therefore never add a clause to the query.
    /// Types without an OData literal are written as their invariant text, quoted as a string.
    /// </summary>
    /// <example><c>TableFilter.Create($"PartitionKey eq {groupName} and Expires gt {now}")</c></example>
    public static string Create(FormattableString filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        object?[] arguments = filter.GetArguments();
        object?[] literals = new object?[arguments.Length];
        for (int i = 0; i < arguments.Length; i++)
        {
            literals[i] = ToLiteral(arguments[i]);
        }

        // Every argument is now a string, which ignores format specifiers, so nothing of the value escapes its quotes.
        return string.Format(CultureInfo.InvariantCulture, filter.Format, literals);
    }

    private static string ToLiteral(object? value) => value switch
    {
        null => "null",
        string text => Quote(text),
        char character => Quote(character.ToString()),
        bool flag => flag ? "true" : "false",
        sbyte or byte or short or ushort or int => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        uint number => Int64Literal(number),
        long number => Int64Literal(number),
        ulong number => Int64Literal(checked((long)number)),
        double number => DoubleLiteral(number),
        float number => DoubleLiteral(number),
        decimal number => DoubleLiteral((double)number),
        DateTimeOffset moment => DateTimeLiteral(moment),
        DateTime moment => DateTimeLiteral(TableEntity.ToUtc(moment)),
        Guid id => $"guid'{id:D}'",
        byte[] bytes => $"X'{Convert.ToHexStringLower(bytes)}'",
        BinaryData data => $"X'{Convert.ToHexStringLower(data.ToMemory().Span)}'",
        _ => Quote(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty),
    };

    private static string Quote(string text) => $"'{text.Replace("'", "''", StringComparison.Ordinal)}'";

    private static string Int64Literal(long number) => number.ToString(CultureInfo.InvariantCulture) + "L";

    private static string DoubleLiteral(double number)
    {
        if (!double.IsFinite(number))
        {
            throw new ArgumentException("OData has no literal for NaN or infinity.", "filter");
        }

        string text = number.ToString("R", CultureInfo.InvariantCulture);

        // A bare "1" would be an Int32 literal.
        return text.AsSpan().IndexOfAny('.', 'E') < 0 ? text + ".0" : text;
    }

    private static string DateTimeLiteral(DateTimeOffset moment) =>
        $"datetime'{moment.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)}'";
}
