using System.Text;
using System.Text.RegularExpressions;

namespace ModelGate.Tests.Deployment;

/// <summary>
/// A focused reader for the Bicep this repository writes (no Bicep compiler runs on these machines). It finds
/// the top-level statements (param, var, resource, module, output, targetScope, extension) with their
/// decorators and the comment lines right above them, and reads bodies by bracket matching that skips strings
/// and comments. Enough to check what a template declares; not a Bicep parser.
/// </summary>
public sealed partial class BicepFile
{
    private BicepFile(string path, string text)
    {
        Path = path;
        Text = text;
        Code = BicepText.BlankComments(text);
        ReadStatements();
    }

    public string Path { get; }

    /// <summary>The file as written.</summary>
    public string Text { get; }

    /// <summary>The file with comments blanked out (same length, same line breaks), for searching code only.</summary>
    public string Code { get; }

    public string? TargetScope { get; private set; }
    public List<string> Extensions { get; } = [];
    public List<BicepParam> Parameters { get; } = [];
    public Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal);
    public List<BicepResource> Resources { get; } = [];
    public List<BicepModule> Modules { get; } = [];
    public List<BicepOutput> Outputs { get; } = [];

    public static BicepFile Load(string path) => new(path, File.ReadAllText(path));

    public BicepParam Parameter(string name) =>
        Parameters.SingleOrDefault(p => p.Name == name) ?? throw new InvalidOperationException($"{Path} declares no param '{name}'.");

    public IEnumerable<BicepResource> ResourcesOfType(string type) =>
        Resources.Where(r => r.Type.Equals(type, StringComparison.OrdinalIgnoreCase));

    public BicepResource Resource(string type) =>
        ResourcesOfType(type).Where(r => !r.Existing).SingleOrDefault()
        ?? throw new InvalidOperationException($"{Path} does not declare exactly one new '{type}' resource.");

    private void ReadStatements()
    {
        var decorators = new StringBuilder();
        var position = 0;
        while (position < Code.Length)
        {
            var lineEnd = Code.IndexOf('\n', position) is var n and >= 0 ? n : Code.Length;
            var line = Code[position..lineEnd];
            var trimmed = line.TrimStart();
            var start = position + (line.Length - trimmed.Length);
            if (trimmed.Trim().Length == 0)
            {
                position = lineEnd + 1;
                continue;
            }

            // A statement (or decorator) runs to the first line break outside brackets.
            var end = BicepText.StatementEnd(Code, start);
            var statement = Code[start..end];
            if (statement.StartsWith('@'))
            {
                decorators.Append(statement).Append('\n');
            }
            else
            {
                Read(statement, start, decorators.ToString());
                decorators.Clear();
            }
            position = end + 1;
        }
    }

    private void Read(string statement, int offset, string decorators)
    {
        var comment = CommentAbove(offset);
        Match m;
        if ((m = TargetScopePattern().Match(statement)).Success)
            TargetScope = m.Groups[1].Value;
        else if ((m = ExtensionPattern().Match(statement)).Success)
            Extensions.Add(m.Groups[1].Value.Trim('\''));
        else if ((m = ParamPattern().Match(statement)).Success)
            Parameters.Add(new BicepParam(m.Groups[1].Value, m.Groups[2].Value,
                m.Groups[3].Success ? m.Groups[3].Value.Trim() : null, decorators, comment));
        else if ((m = VarPattern().Match(statement)).Success)
            Variables[m.Groups[1].Value] = m.Groups[2].Value.Trim();
        else if ((m = OutputPattern().Match(statement)).Success)
            Outputs.Add(new BicepOutput(m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value.Trim(), decorators));
        else if ((m = ResourcePattern().Match(statement)).Success)
        {
            var (condition, loop, body) = SplitDeclaration(m.Groups[5].Value);
            Resources.Add(new BicepResource(m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Success,
                condition, loop, new BicepObject(body), comment));
        }
        else if ((m = ModulePattern().Match(statement)).Success)
        {
            var (condition, loop, body) = SplitDeclaration(m.Groups[3].Value);
            Modules.Add(new BicepModule(m.Groups[1].Value, m.Groups[2].Value, condition, loop, new BicepObject(body), comment));
        }
        else
            throw new FormatException($"{Path}: cannot read the statement starting '{statement.Split('\n')[0]}'.");
    }

    /// <summary>Splits "if (c) {...}", "[for x in y: {...}]" or "{...}" into condition, loop header and body.</summary>
    private (string? Condition, string? Loop, string Body) SplitDeclaration(string value)
    {
        value = value.Trim();
        string? condition = null, loop = null;
        if (value.StartsWith("if"))
        {
            var open = value.IndexOf('(');
            var close = BicepText.MatchingClose(value, open);
            condition = value[(open + 1)..close].Trim();
            value = value[(close + 1)..].Trim();
        }
        if (value.StartsWith('['))
        {
            var brace = value.IndexOf('{');
            loop = value[1..brace].Trim().TrimEnd(':').Trim();
            value = value[brace..];
        }
        if (!value.StartsWith('{')) throw new FormatException($"{Path}: a declaration body must be an object: '{value}'.");
        return (condition, loop, value[1..BicepText.MatchingClose(value, 0)]);
    }

    /// <summary>The // comment lines directly above the line at <paramref name="offset"/>, without the slashes.</summary>
    private string CommentAbove(int offset)
    {
        var lines = Text[..offset].Split('\n');
        var comment = new List<string>();
        // The last element is the declaration's own indentation; the lines before it are candidates.
        for (var i = lines.Length - 2; i >= 0; i--)
        {
            var line = lines[i].Trim();
            if (!line.StartsWith("//")) break;
            comment.Insert(0, line[2..].Trim());
        }
        return string.Join(' ', comment);
    }

    [GeneratedRegex(@"^targetScope\s*=\s*'([^']*)'\s*$")]
    private static partial Regex TargetScopePattern();

    [GeneratedRegex(@"^extension\s+(\S+)")]
    private static partial Regex ExtensionPattern();

    [GeneratedRegex(@"^param\s+(\w+)\s+(\w+)(?:\s*=\s*([\s\S]*))?$")]
    private static partial Regex ParamPattern();

    [GeneratedRegex(@"^var\s+(\w+)\s*=\s*([\s\S]*)$")]
    private static partial Regex VarPattern();

    [GeneratedRegex(@"^output\s+(\w+)\s+(\w+)\s*=\s*([\s\S]*)$")]
    private static partial Regex OutputPattern();

    [GeneratedRegex(@"^resource\s+(\w+)\s+'([^'@]+)@([^']+)'\s*(existing\s*)?=\s*([\s\S]*)$")]
    private static partial Regex ResourcePattern();

    [GeneratedRegex(@"^module\s+(\w+)\s+'([^']+)'\s*=\s*([\s\S]*)$")]
    private static partial Regex ModulePattern();
}

public sealed record BicepParam(string Name, string Type, string? Default, string Decorators, string Comment)
{
    public bool HasDefault => Default is not null;
    public bool IsSecure => Decorators.Contains("@secure()", StringComparison.Ordinal);
}

public sealed record BicepOutput(string Name, string Type, string Expression, string Decorators);

public sealed record BicepResource(string Symbol, string Type, string ApiVersion, bool Existing, string? Condition, string? Loop,
    BicepObject Body, string Comment);

public sealed record BicepModule(string Symbol, string Path, string? Condition, string? Loop, BicepObject Body, string Comment);

/// <summary>The inside of an object literal; reads its top-level properties.</summary>
public sealed class BicepObject(string body)
{
    public string Body { get; } = body;

    /// <summary>The expression of property <paramref name="key"/> (quoted or not), or null when absent.</summary>
    public string? Get(string key)
    {
        var depth = 0;
        var lineStart = true;
        for (var i = 0; i < Body.Length; i++)
        {
            var c = Body[i];
            if (c == '\'' && !(lineStart && depth == 0 && KeyAt(i, key, out _)))
            {
                i = BicepText.StringEnd(Body, i);
                lineStart = false;
                continue;
            }
            if (c is '{' or '[' or '(') depth++;
            else if (c is '}' or ']' or ')') depth--;
            else if (c == '\n') { lineStart = true; continue; }
            if (lineStart && !char.IsWhiteSpace(c))
            {
                lineStart = false;
                if (depth == 0 && KeyAt(i, key, out var valueStart))
                    return Body[valueStart..BicepText.StatementEnd(Body, valueStart)].Trim();
            }
        }
        return null;
    }

    public string Require(string key) => Get(key) ?? throw new InvalidOperationException($"No property '{key}' in {{{Body}}}.");

    /// <summary>The object literal held by property <paramref name="key"/>.</summary>
    public BicepObject Object(string key)
    {
        var value = Require(key);
        var open = value.IndexOf('{');
        if (open < 0) throw new InvalidOperationException($"Property '{key}' is not an object: {value}");
        return new BicepObject(value[(open + 1)..BicepText.MatchingClose(value, open)]);
    }

    /// <summary>The unescaped value of a plain string literal property, or null when it is absent or not a literal.</summary>
    public string? String(string key) => Get(key) is { } value ? BicepText.Literal(value) : null;

    private bool KeyAt(int index, string key, out int valueStart)
    {
        valueStart = 0;
        var rest = Body.AsSpan(index);
        int keyLength;
        if (rest.StartsWith("'" + key + "'", StringComparison.Ordinal)) keyLength = key.Length + 2;
        else if (rest.StartsWith(key, StringComparison.Ordinal) && (rest.Length == key.Length || !IsIdentifierChar(rest[key.Length]))) keyLength = key.Length;
        else return false;
        var after = rest[keyLength..];
        var colon = after.IndexOf(':');
        if (colon < 0 || !after[..colon].IsWhiteSpace()) return false;
        valueStart = index + keyLength + colon + 1;
        return true;
    }

    private static bool IsIdentifierChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    public override string ToString() => Body;
}

/// <summary>Character-level helpers over Bicep source: strings, comments and brackets.</summary>
public static class BicepText
{
    /// <summary>Index of the quote closing the string that opens at <paramref name="start"/> (escapes and interpolations skipped).</summary>
    public static int StringEnd(string text, int start)
    {
        if (string.CompareOrdinal(text, start, "'''", 0, 3) == 0)
        {
            var close = text.IndexOf("'''", start + 3, StringComparison.Ordinal);
            return close < 0 ? text.Length - 1 : close + 2;
        }
        for (var i = start + 1; i < text.Length; i++)
        {
            if (text[i] == '\\') { i++; continue; }
            if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{') { i = MatchingClose(text, i + 1); continue; }
            if (text[i] == '\'') return i;
        }
        return text.Length - 1;
    }

    /// <summary>Index of the bracket closing the one at <paramref name="open"/>, skipping strings.</summary>
    public static int MatchingClose(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\'') { i = StringEnd(text, i); continue; }
            if (c is '{' or '[' or '(') depth++;
            else if (c is '}' or ']' or ')' && --depth == 0) return i;
        }
        throw new FormatException($"Unbalanced bracket at {open}: {text[open..Math.Min(text.Length, open + 60)]}");
    }

    /// <summary>End (exclusive) of the statement or expression starting at <paramref name="start"/>: the first line break outside brackets.</summary>
    public static int StatementEnd(string text, int start)
    {
        var depth = 0;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\'') { i = StringEnd(text, i); continue; }
            if (c is '{' or '[' or '(') depth++;
            else if (c is '}' or ']' or ')') depth--;
            else if (c == '\n' && depth <= 0) return i;
        }
        return text.Length;
    }

    /// <summary>Replaces // and /* */ comments (outside strings) with spaces, keeping line breaks.</summary>
    public static string BlankComments(string text)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] == '\'') { i = StringEnd(text, i); continue; }
            if (chars[i] == '/' && i + 1 < chars.Length && chars[i + 1] == '/')
            {
                while (i < chars.Length && chars[i] != '\n') chars[i++] = ' ';
            }
            else if (chars[i] == '/' && i + 1 < chars.Length && chars[i + 1] == '*')
            {
                var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                end = end < 0 ? chars.Length : end + 2;
                for (; i < end; i++) if (chars[i] != '\n') chars[i] = ' ';
            }
        }
        return new string(chars);
    }

    /// <summary>The value of a plain single-quoted literal without interpolation; null for any other expression.</summary>
    public static string? Literal(string expression)
    {
        var e = expression.Trim();
        if (e.Length < 2 || e[0] != '\'' || StringEnd(e, 0) != e.Length - 1 || e.Contains("${", StringComparison.Ordinal)) return null;
        return e[1..^1].Replace("\\'", "'", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
    }

    /// <summary>Every plain string literal in an expression, such as the items of an array literal.</summary>
    public static IEnumerable<string> Literals(string expression)
    {
        for (var i = 0; i < expression.Length; i++)
        {
            if (expression[i] != '\'') continue;
            var end = StringEnd(expression, i);
            if (Literal(expression[i..(end + 1)]) is { } value) yield return value;
            i = end;
        }
    }
}
