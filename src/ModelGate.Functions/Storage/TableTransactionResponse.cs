using System.Globalization;
using Azure;

namespace ModelGate.Storage;

// Reads the answer to an entity group transaction. The service answers 202 even when the changeset failed;
// the outcome is in the status lines of the embedded responses: one per action on success, a single one naming
// the failing action otherwise.
internal static class TableTransactionResponse
{
    public readonly record struct Part(int Status, ETag ETag, int? ContentId, string Body);

    public static List<Part> Parse(string? contentType, string body)
    {
        // The changeset's boundary is declared inside the body; the batch's own is in the Content-Type header.
        string boundary = FindBoundary(body) ?? FindBoundary(contentType)
            ?? throw new RequestFailedException(202, "The transaction response has no multipart boundary.");

        var parts = new List<Part>();
        string delimiter = "--" + boundary;
        int position = body.IndexOf(delimiter, StringComparison.Ordinal);
        while (position >= 0)
        {
            int start = position + delimiter.Length;
            if (body.AsSpan(start).StartsWith("--"))
            {
                break;
            }

            int next = body.IndexOf(delimiter, start, StringComparison.Ordinal);
            ReadOnlySpan<char> section = next < 0 ? body.AsSpan(start) : body.AsSpan(start, next - start);
            if (TryReadPart(section, out Part part))
            {
                parts.Add(part);
            }

            position = next;
        }

        return parts;
    }

    private static bool TryReadPart(ReadOnlySpan<char> section, out Part part)
    {
        part = default;
        int statusLine = section.IndexOf("HTTP/1.", StringComparison.Ordinal);
        if (statusLine < 0)
        {
            return false;
        }

        ReadOnlySpan<char> mimeHeaders = section[..statusLine];
        ReadOnlySpan<char> rest = section[statusLine..];
        int space = rest.IndexOf(' ');
        if (space < 0 || rest.Length < space + 4
            || !int.TryParse(rest.Slice(space + 1, 3), NumberStyles.None, CultureInfo.InvariantCulture, out int status))
        {
            return false;
        }

        int headersEnd = FindBlankLine(rest, out int separatorLength);
        ReadOnlySpan<char> httpHeaders = headersEnd < 0 ? rest : rest[..headersEnd];
        ReadOnlySpan<char> content = headersEnd < 0 ? [] : rest[(headersEnd + separatorLength)..];
        string? etag = FindHeader(httpHeaders, "ETag");
        string? contentId = FindHeader(mimeHeaders, "Content-ID") ?? FindHeader(httpHeaders, "Content-ID");
        part = new Part(
            status,
            etag is null ? default : new ETag(etag),
            int.TryParse(contentId, NumberStyles.None, CultureInfo.InvariantCulture, out int id) ? id : null,
            content.Trim().ToString());
        return true;
    }

    private static int FindBlankLine(ReadOnlySpan<char> response, out int separatorLength)
    {
        int crlf = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        int lf = response.IndexOf("\n\n", StringComparison.Ordinal);
        if (crlf >= 0 && (lf < 0 || crlf < lf))
        {
            separatorLength = 4;
            return crlf;
        }

        separatorLength = 2;
        return lf;
    }

    private static string? FindHeader(ReadOnlySpan<char> headers, string name)
    {
        foreach (ReadOnlySpan<char> line in headers.EnumerateLines())
        {
            int colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return line[(colon + 1)..].Trim().ToString();
            }
        }

        return null;
    }

    private static string? FindBoundary(string? text)
    {
        if (text is null)
        {
            return null;
        }

        int index = text.IndexOf("boundary=", StringComparison.OrdinalIgnoreCase);
        if (index < 0)
        {
            return null;
        }

        ReadOnlySpan<char> value = text.AsSpan(index + "boundary=".Length).TrimStart('"');
        int end = value.IndexOfAny("\";\r\n \t");
        return (end < 0 ? value : value[..end]).ToString();
    }
}
