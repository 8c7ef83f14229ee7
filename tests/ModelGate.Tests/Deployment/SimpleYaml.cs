namespace ModelGate.Tests.Deployment;

/// <summary>
/// Reads the YAML subset azure.yaml uses: nested maps by indentation, plain or quoted scalars, # comments. No YAML
/// package restores from the mirror; anything outside the subset (lists, anchors, multi-line scalars, tabs) is
/// refused with its line number rather than misread, so a change to azure.yaml that needs more fails loudly.
/// </summary>
public static class SimpleYaml
{
    public static Dictionary<string, object> Parse(string text)
    {
        var root = new Dictionary<string, object>(StringComparer.Ordinal);
        // Open maps with the indentation of their keys; the innermost last.
        var open = new List<(int Indent, Dictionary<string, object> Map)> { (0, root) };
        (int Indent, Dictionary<string, object> Parent, string Key)? pendingMap = null;

        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var number = 1; number <= lines.Length; number++)
        {
            var line = StripComment(lines[number - 1]).TrimEnd();
            if (line.Trim().Length == 0) continue;
            if (line.Contains('\t')) throw Error(number, "tabs are not allowed in YAML indentation");

            var indent = line.Length - line.TrimStart().Length;
            var content = line.Trim();
            if (content.StartsWith('-')) throw Error(number, "lists are outside the subset this reader supports");
            if (content.StartsWith('&') || content.StartsWith('*') || content.StartsWith('|') || content.StartsWith('>'))
                throw Error(number, "anchors and block scalars are outside the subset this reader supports");

            if (pendingMap is { } pending)
            {
                // The line after "key:" either opens that key's map (deeper) or leaves the key empty.
                if (indent > pending.Indent)
                {
                    var map = new Dictionary<string, object>(StringComparer.Ordinal);
                    pending.Parent[pending.Key] = map;
                    open.Add((indent, map));
                }
                else
                {
                    pending.Parent[pending.Key] = "";
                }
                pendingMap = null;
            }

            while (open.Count > 1 && indent < open[^1].Indent) open.RemoveAt(open.Count - 1);
            if (indent != open[^1].Indent) throw Error(number, "indentation does not match any open map");
            var current = open[^1].Map;

            var colon = KeyEnd(content);
            if (colon < 0) throw Error(number, "expected 'key: value' or 'key:'");
            var key = Unquote(content[..colon].Trim(), number);
            if (current.ContainsKey(key)) throw Error(number, $"key '{key}' repeats");
            var value = content[(colon + 1)..].Trim();
            if (value.Length == 0)
            {
                pendingMap = (indent, current, key);
            }
            else
            {
                if (value.StartsWith('[') || value.StartsWith('{')) throw Error(number, "flow collections are outside the subset this reader supports");
                current[key] = Unquote(value, number);
            }
        }
        if (pendingMap is { } last) last.Parent[last.Key] = "";
        return root;
    }

    /// <summary>Follows a path of keys through nested maps; null when any step is missing.</summary>
    public static object? At(this Dictionary<string, object> map, params string[] path)
    {
        object? node = map;
        foreach (var key in path)
            node = node is Dictionary<string, object> m && m.TryGetValue(key, out var next) ? next : null;
        return node;
    }

    private static int KeyEnd(string content)
    {
        // The key ends at the first ": " (or a final ':') outside quotes.
        var quote = '\0';
        for (var i = 0; i < content.Length; i++)
        {
            var c = content[i];
            if (quote != '\0') { if (c == quote) quote = '\0'; continue; }
            if (c is '"' or '\'') { quote = c; continue; }
            if (c == ':' && (i + 1 == content.Length || content[i + 1] == ' ')) return i;
        }
        return -1;
    }

    private static string StripComment(string line)
    {
        var quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote != '\0') { if (c == quote) quote = '\0'; continue; }
            if (c is '"' or '\'') { quote = c; continue; }
            if (c == '#' && (i == 0 || line[i - 1] == ' ')) return line[..i];
        }
        return line;
    }

    private static string Unquote(string value, int number)
    {
        if (value.Length >= 2 && (value[0] == '"' || value[0] == '\''))
        {
            if (value[^1] != value[0]) throw Error(number, "unterminated quoted scalar");
            var inner = value[1..^1];
            return value[0] == '\'' ? inner.Replace("''", "'", StringComparison.Ordinal) : inner;
        }
        return value;
    }

    private static FormatException Error(int line, string message) => new($"YAML line {line}: {message}.");
}
