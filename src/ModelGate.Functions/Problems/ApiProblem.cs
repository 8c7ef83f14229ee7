namespace ModelGate.Problems;

/// <summary>
/// An error the caller caused or must know about. Thrown anywhere below an endpoint and written once, by
/// <see cref="ProblemResponses"/>, as application/problem+json with a stable <see cref="Code"/>.
/// </summary>
public sealed class ApiProblem(int status, string code, string title, string? detail = null,
    IReadOnlyDictionary<string, string[]>? errors = null) : Exception(detail ?? title)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string Title { get; } = title;
    public string? Detail { get; } = detail;
    public IReadOnlyDictionary<string, string[]>? Errors { get; } = errors;

    /// <summary>Headers the response must carry, such as WWW-Authenticate or Retry-After.</summary>
    public Dictionary<string, string> Headers { get; } = [];

    public static ApiProblem Validation(IReadOnlyDictionary<string, string[]> errors) =>
        new(400, "validation_failed", "The request is not valid.", "One or more fields are not valid.", errors);

    public static ApiProblem Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static ApiProblem BadRequest(string code, string detail) => new(400, code, "The request is not valid.", detail);
    public static ApiProblem Forbidden(string code, string detail) => new(403, code, "Access denied.", detail);
    public static ApiProblem NotFound(string code, string detail) => new(404, code, "Not found.", detail);
    public static ApiProblem Conflict(string code, string detail) => new(409, code, "Conflict.", detail);

    public static ApiProblem PreconditionFailed() => new(412, "precondition_failed", "Precondition failed.",
        "The resource changed since it was read (If-Match does not match its current ETag). Read it again and retry.");

    public static ApiProblem DependencyUnavailable(string dependency) => new(503, "dependency_unavailable",
        "A dependency is unavailable.", $"{dependency} did not answer; nothing was changed. Retry later.");
}
