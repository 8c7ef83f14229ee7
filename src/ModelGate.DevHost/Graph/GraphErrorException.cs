using System.Globalization;

namespace ModelGate.DevHost.Graph;

/// <summary>
/// An answer Graph gives as <c>{"error":{"code","message","innerError"}}</c>; thrown wherever the fact is found and
/// written once, by the protocol, for a whole request or for one batch item.
/// </summary>
internal sealed class GraphErrorException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    /// <summary>Seconds for a Retry-After header, when the answer asks the client to wait.</summary>
    public string? RetryAfter { get; init; }

    public static GraphErrorException BadRequest(string message) => new(StatusCodes.Status400BadRequest, "BadRequest", message);

    public static GraphErrorException UnsupportedQuery(string message) =>
        new(StatusCodes.Status400BadRequest, "Request_UnsupportedQuery", message);

    public static GraphErrorException ResourceNotFound(string id) => new(
        StatusCodes.Status404NotFound,
        "Request_ResourceNotFound",
        $"Resource '{id}' does not exist or one of its queried reference-property objects are not present.");

    public static GraphErrorException SyncStateNotFound() => new(
        StatusCodes.Status410Gone,
        "syncStateNotFound",
        "The sync state of this delta link was not found or has expired. Start a new delta round without a token.");

    public static GraphErrorException Throttled(TimeSpan retryAfter) => new(
        StatusCodes.Status429TooManyRequests,
        "TooManyRequests",
        "Too many requests. Retry after the Retry-After interval.")
    {
        RetryAfter = Seconds(retryAfter),
    };

    public static GraphErrorException Unavailable(TimeSpan retryAfter) => new(
        StatusCodes.Status503ServiceUnavailable,
        "serviceNotAvailable",
        "The service is temporarily unavailable. Retry after the Retry-After interval.")
    {
        RetryAfter = Seconds(retryAfter),
    };

    // Graph sends whole seconds, and the SDK's retry handler reads only whole seconds.
    private static string Seconds(TimeSpan wait) => ((long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
