using Azure;

namespace ModelGate.Storage;

// Query results, fetched a page at a time. The continuation token is the service's next partition key and
// next row key joined by a space, the same form Azure.Data.Tables hands out.
internal sealed class TableEntityPageable(
    Func<string?, int?, CancellationToken, Task<Page<TableEntity>>> fetchPage,
    int? maxPerPage,
    CancellationToken cancellationToken)
    : AsyncPageable<TableEntity>(cancellationToken)
{
    public override async IAsyncEnumerable<Page<TableEntity>> AsPages(string? continuationToken = null, int? pageSizeHint = null)
    {
        string? token = continuationToken;
        do
        {
            Page<TableEntity> page = await fetchPage(token, pageSizeHint ?? maxPerPage, CancellationToken).ConfigureAwait(false);
            yield return page;
            token = page.ContinuationToken;
        }
        while (!string.IsNullOrEmpty(token));
    }

    public static string? CreateToken(string? nextPartitionKey, string? nextRowKey) =>
        string.IsNullOrEmpty(nextPartitionKey) ? null
        : string.IsNullOrEmpty(nextRowKey) ? nextPartitionKey
        : $"{nextPartitionKey} {nextRowKey}";

    public static (string NextPartitionKey, string? NextRowKey) ParseToken(string token)
    {
        int space = token.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? (token, null) : (token[..space], token[(space + 1)..]);
    }
}
