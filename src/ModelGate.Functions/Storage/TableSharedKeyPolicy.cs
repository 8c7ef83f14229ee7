using System.Globalization;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ModelGate.Storage;

// Signs each attempt with SharedKey for the Table service. It runs per retry so that every attempt carries a
// fresh x-ms-date: the service refuses signatures older than 15 minutes.
internal sealed class TableSharedKeyPolicy(TableSharedKeyCredential credential) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        Request request = message.Request;
        string date = DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture);
        request.Headers.SetValue("x-ms-date", date);
        request.Headers.TryGetValue("Content-MD5", out string? contentMd5);
        request.Headers.TryGetValue("Content-Type", out string? contentType);

        // The path exactly as it goes on the wire (still percent-encoded); for Azurite's path-style URLs it
        // already starts with the account name, which therefore appears twice.
        Uri uri = request.Uri.ToUri();
        var stringToSign = new StringBuilder(128)
            .Append(request.Method.Method).Append('\n')
            .Append(contentMd5).Append('\n')
            .Append(contentType).Append('\n')
            .Append(date).Append('\n')
            .Append('/').Append(credential.AccountName).Append(uri.AbsolutePath);
        if (FindComp(uri.Query) is { } comp)
        {
            stringToSign.Append("?comp=").Append(comp);
        }

        string signature = credential.Sign(stringToSign.ToString());
        request.Headers.SetValue("Authorization", $"SharedKey {credential.AccountName}:{signature}");
    }

    private static string? FindComp(string query)
    {
        if (!query.Contains("comp=", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        foreach (string pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            if (pair.StartsWith("comp=", StringComparison.OrdinalIgnoreCase))
            {
                return Uri.UnescapeDataString(pair["comp=".Length..]);
            }
        }

        return null;
    }
}
