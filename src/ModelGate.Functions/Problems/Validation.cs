using System.Globalization;

namespace ModelGate.Problems;

/// <summary>Collects field errors so a caller learns everything wrong with a request at once.</summary>
public sealed class Validation
{
    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public void Add(string field, string message)
    {
        if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
        list.Add(message);
    }

    /// <summary>A display name: trimmed, 1..max characters, printable, well-formed Unicode.</summary>
    public string? Name(string field, string? value, int max = 100, bool required = true)
    {
        if (value is null)
        {
            if (required) Add(field, "Required.");
            return null;
        }
        var trimmed = value.Trim();
        if (trimmed.Length == 0) { Add(field, "Must not be empty."); return null; }
        if (trimmed.Length > max) { Add(field, $"At most {max} characters."); return null; }
        if (!Text.IsPrintable(trimmed, allowLineBreaks: false))
        {
            Add(field, "Must not contain control, format or unassigned characters, or broken Unicode.");
            return null;
        }
        return trimmed;
    }

    /// <summary>Free text such as a description: line breaks allowed, other control characters not.</summary>
    public string? FreeText(string field, string? value, int max = 2000)
    {
        if (value is null) return null;
        if (value.Length > max) { Add(field, $"At most {max} characters."); return null; }
        if (!Text.IsPrintable(value, allowLineBreaks: true))
        {
            Add(field, "Must not contain control, format or unassigned characters, or broken Unicode.");
            return null;
        }
        return value;
    }

    /// <summary>A list of identifiers kept exactly as given (group object ids, backend roles): no trimming, ordinal duplicates removed.</summary>
    public IReadOnlyList<string>? Identifiers(string field, IReadOnlyList<string?>? values, int maxCount = 100, int maxLength = 256)
    {
        if (values is null) return null;
        if (values.Count > maxCount) { Add(field, $"At most {maxCount} entries."); return null; }
        var result = new List<string>(values.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i];
            if (string.IsNullOrEmpty(value) || value.Length > maxLength || !Text.IsPrintable(value, allowLineBreaks: false)
                || value.Trim().Length != value.Length)
            {
                Add($"{field}[{i}]", $"Must be 1..{maxLength} printable characters without surrounding spaces.");
                continue;
            }
            if (seen.Add(value)) result.Add(value);
        }
        return result;
    }

    public void ThrowIfAny()
    {
        if (errors.Count > 0)
            throw ApiProblem.Validation(errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
    }
}

/// <summary>Unicode checks shared by validation and key building.</summary>
public static class Text
{
    /// <summary>
    /// Values that become Table Storage keys or key parts: 1..128 printable characters, none of / \ # ?
    /// (forbidden in keys) nor ':' and '|' (our separators).
    /// </summary>
    public static bool IsKeySafe(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 128 && IsPrintable(value, allowLineBreaks: false)
        && value.IndexOfAny(['/', '\\', '#', '?', ':', '|']) < 0;

    /// <summary>
    /// True when every character is assigned, visible or a space (plus line breaks if allowed), and every
    /// surrogate is paired. Format characters are refused too: bidi overrides and zero-width characters
    /// make two names that look alike differ, which is how impersonation starts.
    /// </summary>
    public static bool IsPrintable(string value, bool allowLineBreaks)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1])) return false;
                var category = CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, value[i + 1]));
                if (category is UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse or UnicodeCategory.Format) return false;
                i++;
                continue;
            }
            if (char.IsLowSurrogate(c)) return false;
            if (allowLineBreaks && c is '\n' or '\r' or '\t') continue;
            switch (CharUnicodeInfo.GetUnicodeCategory(c))
            {
                case UnicodeCategory.Control:
                case UnicodeCategory.Format:
                case UnicodeCategory.OtherNotAssigned:
                case UnicodeCategory.PrivateUse:
                case UnicodeCategory.LineSeparator:
                case UnicodeCategory.ParagraphSeparator:
                    return false;
            }
        }
        return true;
    }
}
