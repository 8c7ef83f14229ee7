using System.Text.Json;
using Microsoft.Extensions.Options;
using ModelGate.Deployments;
using ModelGate.Problems;

namespace ModelGate.Invoke;

/// <summary>Which deployment a call is for, and the path to forward to it.</summary>
public readonly record struct InvokeRoute(string DeploymentName, string ForwardPath);

/// <summary>
/// Picks the deployment of a model call: by host (NAME.SUFFIX, any path forwarded unchanged), by path
/// (/deployments/NAME/REST forwarded as /REST), or OpenAI-style (POST /v1/... with the name in "model").
/// Behind the Functions host the original host arrives in X-Forwarded-Host (the host rewrites Host).
/// </summary>
public sealed class InvokeRouter(IOptions<GatewayOptions> gateway, IConfiguration configuration, IOptions<InvokeOptions> options)
{
    private const string PathPrefix = "/deployments/";
    private readonly string hostSuffix = "." + gateway.Value.HostSuffix.Split(':')[0];
    private readonly bool behindFunctionsHost = !string.IsNullOrEmpty(configuration["FUNCTIONS_CUSTOMHANDLER_PORT"]);

    /// <summary>True when the request is a model call rather than a management or portal call.</summary>
    public bool IsInvocation(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        return HostDeployment(context) is not null
            || path.StartsWith(PathPrefix, StringComparison.Ordinal)
            || path.StartsWith("/v1/", StringComparison.Ordinal);
    }

    /// <summary>Routes by host or path; null for the OpenAI style, which needs the body (<see cref="RouteByModelAsync"/>).</summary>
    public InvokeRoute? RouteWithoutBody(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (HostDeployment(context) is { } name) return new InvokeRoute(name, path);
        if (path.StartsWith(PathPrefix, StringComparison.Ordinal))
        {
            var rest = path.AsSpan(PathPrefix.Length);
            var slash = rest.IndexOf('/');
            var deployment = (slash < 0 ? rest : rest[..slash]).ToString();
            return new InvokeRoute(deployment, slash < 0 ? "/" : rest[slash..].ToString());
        }
        return null;
    }

    /// <summary>
    /// Reads the JSON body (bounded), takes "model" as the deployment name and puts the body back for
    /// forwarding. A body without "model" cannot be routed: 404 deployment_not_found.
    /// </summary>
    public async Task<InvokeRoute> RouteByModelAsync(HttpContext context)
    {
        var request = context.Request;
        var limit = options.Value.MaxRoutingBodyBytes;
        if (request.ContentLength > limit) throw new ApiProblem(413, "payload_too_large", "Request body too large.", $"At most {limit} bytes.");
        var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length > limit) throw new ApiProblem(413, "payload_too_large", "Request body too large.", $"At most {limit} bytes.");
        buffer.Position = 0;
        request.Body = buffer;
        request.ContentLength = buffer.Length;

        string? model = null;
        try
        {
            using var document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("model", out var value)
                && value.ValueKind == JsonValueKind.String)
                model = value.GetString();
        }
        catch (JsonException)
        {
            throw ApiProblem.BadRequest("invalid_json", "An OpenAI-style call needs a JSON body naming the deployment in \"model\".");
        }
        if (model is null)
            throw ApiProblem.NotFound("deployment_not_found", "Name the deployment in \"model\", or call /deployments/NAME/... instead.");
        return new InvokeRoute(model, request.Path.Value ?? "/");
    }

    private string? HostDeployment(HttpContext context)
    {
        // Asked twice per request (IsInvocation, then RouteWithoutBody), so the host is cut as a span: a string is
        // made only for a host that names a deployment.
        var host = (behindFunctionsHost && context.Request.Headers.TryGetValue("X-Forwarded-Host", out var forwarded) && forwarded.Count > 0
            ? forwarded[0]!
            : context.Request.Host.Value ?? "").AsSpan();
        var colon = host.LastIndexOf(':');
        if (colon > 0 && host.IndexOf(']') < colon) host = host[..colon];
        if (!host.EndsWith(hostSuffix, StringComparison.OrdinalIgnoreCase)) return null;
        var name = host[..^hostSuffix.Length].ToString().ToLowerInvariant();
        return DeploymentCatalog.IsValidName(name) ? name : null;
    }
}
