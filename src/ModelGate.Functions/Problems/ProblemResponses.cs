using System.Text.Json;
using Azure;
using Azure.Identity;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Kiota.Abstractions;

namespace ModelGate.Problems;

/// <summary>
/// The one place errors become responses: every failure, from a handler, the router, authentication or
/// Kestrel, leaves as RFC 9457 problem+json with a stable code and never a stack trace.
/// </summary>
public static class ProblemResponses
{
    public const string ContentType = "application/problem+json";

    public static IServiceCollection AddProblemResponses(this IServiceCollection services)
    {
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddProblemDetails();
        return services;
    }

    public static WebApplication UseProblemResponses(this WebApplication app)
    {
        app.UseExceptionHandler();
        // The router and the framework answer 404/405/415 with empty bodies; give them the same shape.
        app.UseStatusCodePages(context =>
        {
            var status = context.HttpContext.Response.StatusCode;
            var (code, title) = status switch
            {
                404 => ("not_found", "Not found."),
                405 => ("method_not_allowed", "Method not allowed."),
                413 => ("payload_too_large", "Request body too large."),
                415 => ("unsupported_media_type", "Unsupported media type."),
                _ => ("http_" + status, "The request failed."),
            };
            return WriteAsync(context.HttpContext, new ApiProblem(status, code, title));
        });
        return app;
    }

    public static async Task WriteAsync(HttpContext http, ApiProblem problem)
    {
        var response = http.Response;
        response.StatusCode = problem.Status;
        response.ContentType = ContentType;
        foreach (var (name, value) in problem.Headers) response.Headers[name] = value;

        await using var writer = new Utf8JsonWriter(response.Body);
        writer.WriteStartObject();
        writer.WriteString("type", "urn:modelgate:problem:" + problem.Code);
        writer.WriteString("title", problem.Title);
        writer.WriteNumber("status", problem.Status);
        if (problem.Detail is not null) writer.WriteString("detail", problem.Detail);
        writer.WriteString("code", problem.Code);
        writer.WriteString("instance", http.Request.Path.Value);
        if (problem.Errors is { Count: > 0 })
        {
            writer.WriteStartObject("errors");
            foreach (var (field, messages) in problem.Errors)
            {
                writer.WriteStartArray(field);
                foreach (var message in messages) writer.WriteStringValue(message);
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        writer.WriteString("trace_id", http.TraceIdentifier);
        writer.WriteEndObject();
        await writer.FlushAsync(http.RequestAborted);
    }

    /// <summary>Maps what escaped a handler to the problem the caller sees.</summary>
    internal static ApiProblem ToProblem(Exception exception) => exception switch
    {
        ApiProblem problem => problem,
        BadHttpRequestException { StatusCode: 413 } => new ApiProblem(413, "payload_too_large",
            "Request body too large.", "The request body is larger than the configured limit."),
        BadHttpRequestException bad => new ApiProblem(bad.StatusCode, "bad_request", "The request is not valid.",
            "The request could not be read."),
        // A store, vault or directory that cannot answer must never turn into access or a half-done change: 503.
        _ when IsDependencyFailure(exception) => ApiProblem.DependencyUnavailable(
            exception is ApiException or AggregateException { InnerException: ApiException } ? "Microsoft Graph" : "Table Storage or Key Vault"),
        _ => new ApiProblem(500, "internal_error", "Internal error.",
            "The request failed unexpectedly; the trace id identifies it in the logs."),
    };

    /// <summary>
    /// A dependency that did not answer (transport failure, timeout, throttling, 5xx, no token). Azure.Core
    /// reports exhausted retries as an AggregateException of the attempts' failures, and so does the Graph SDK's
    /// retry handler (of ApiExceptions; Graph's ODataError and ServiceException are ApiExceptions too).
    /// </summary>
    internal static bool IsDependencyFailure(Exception exception) => exception switch
    {
        RequestFailedException e => e.Status is 0 or 408 or 429 or >= 500,
        ApiException e => e.ResponseStatusCode is 0 or 408 or 429 or >= 500,
        AuthenticationFailedException or CredentialUnavailableException or HttpRequestException or TimeoutException => true,
        AggregateException e => e.InnerExceptions.Count > 0 && e.InnerExceptions.All(IsDependencyFailure),
        _ => false,
    };

    private sealed class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is OperationCanceledException && http.RequestAborted.IsCancellationRequested)
                return true; // the caller left; nobody is there to read an answer
            var problem = ToProblem(exception);
            if (problem.Status >= 500)
                logger.LogError(exception, "Request {Method} {Path} failed with {Code}", http.Request.Method, http.Request.Path.Value, problem.Code);
            if (http.Response.HasStarted) return true;
            http.Response.Clear();
            http.Features.Get<IStatusCodePagesFeature>()?.Enabled = false;
            await WriteAsync(http, problem);
            return true;
        }
    }
}
