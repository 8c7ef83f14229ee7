using System.Text.Json;
using ModelGate.Problems;

namespace ModelGate.GroupFreshness;

/// <summary>
/// The two URLs Microsoft Graph calls: change notifications (<c>POST /api/graph/notifications</c>) and lifecycle
/// notifications (<c>POST /api/graph/lifecycle</c>). They are anonymous, as Graph sends no token, so they trust
/// nothing but the subscription's clientState, read bounded bodies, and do no work beyond storing what to do:
/// Graph wants an answer within 3 seconds (10 for the validation handshake) and drops endpoints that are slow.
/// </summary>
public static class GraphNotificationsApi
{
    /// <summary>
    /// Graph posts up to a few hundred notifications at once, each well under a kilobyte; anything near this
    /// size is not from Graph.
    /// </summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>Graph's validation tokens are about a hundred characters.</summary>
    public const int MaxValidationTokenLength = 1024;

    public static IEndpointRouteBuilder MapGraphNotifications(this IEndpointRouteBuilder routes)
    {
        var graph = routes.MapGroup("/api/graph").AllowAnonymous().ExcludeFromDescription();
        graph.MapPost("notifications", Notifications);
        graph.MapPost("lifecycle", Lifecycle);
        return routes;
    }

    /// <summary>
    /// Answers the validation handshake, or queues a refresh of the tracked groups the notifications name: 202 once
    /// they are stored. Items without the subscription's clientState are ignored; when no item has it, 403.
    /// </summary>
    public static async Task<IResult> Notifications(HttpContext http, SubscriptionKeeper subscription, TrackedGroupsView tracked,
        RefreshQueue queue, RefreshWorker worker, ILoggerFactory loggers)
    {
        if (Handshake(http) is { } echo) return echo;
        var items = await ReadItemsAsync(http);
        var logger = loggers.CreateLogger(typeof(GraphNotificationsApi));
        var groups = new List<string>();
        var refused = 0;
        foreach (var item in items)
        {
            if (!await subscription.AcceptsAsync(Text(item, "subscriptionId"), Text(item, "clientState"), http.RequestAborted))
            {
                refused++;
                continue;
            }
            if (GroupIdOf(item) is { } group) groups.Add(group);
        }
        if (refused > 0)
            logger.LogWarning("Refused {Refused} of {Count} Graph change notifications: clientState or subscription did not match", refused, items.Count);
        if (refused > 0 && refused == items.Count) throw WrongClientState();

        if (!subscription.IsEnabled || groups.Count == 0) return Results.Accepted();
        var worth = await tracked.WorthRefreshingAsync(groups, http.RequestAborted);
        if (worth.Count > 0)
        {
            await queue.AddAsync(worth, http.RequestAborted);
            worker.RefreshQueued();
        }
        return Results.Accepted();
    }

    /// <summary>
    /// Answers the validation handshake, or acts on lifecycle events: <c>reauthorizationRequired</c> renews the
    /// subscription; <c>subscriptionRemoved</c> makes a new one and <c>missed</c> refreshes everything, since changes
    /// went unnotified.
    /// </summary>
    public static async Task<IResult> Lifecycle(HttpContext http, SubscriptionKeeper subscription, RefreshWorker worker, ILoggerFactory loggers)
    {
        if (Handshake(http) is { } echo) return echo;
        var items = await ReadItemsAsync(http);
        var logger = loggers.CreateLogger(typeof(GraphNotificationsApi));
        var accepted = 0;
        foreach (var item in items)
        {
            if (!await subscription.AcceptsAsync(Text(item, "subscriptionId"), Text(item, "clientState"), http.RequestAborted)) continue;
            accepted++;
            var lifecycleEvent = Text(item, "lifecycleEvent");
            logger.LogInformation("Graph lifecycle notification {Event} for the group subscription", lifecycleEvent);
            if (!subscription.IsEnabled) continue;
            switch (lifecycleEvent)
            {
                case "reauthorizationRequired":
                    worker.RenewSubscription();
                    break;
                case "subscriptionRemoved":
                    worker.RenewSubscription();
                    worker.RefreshAll();
                    break;
                case "missed":
                    worker.RefreshAll();
                    break;
            }
        }
        if (items.Count > 0 && accepted == 0)
        {
            logger.LogWarning("Refused {Count} Graph lifecycle notifications: clientState or subscription did not match", items.Count);
            throw WrongClientState();
        }
        return Results.Accepted();
    }

    /// <summary>
    /// Graph's handshake: the token, decoded from the query, echoed as text/plain (nosniff, so a browser never takes a
    /// reflected token for a page).
    /// </summary>
    private static IResult? Handshake(HttpContext http)
    {
        if (!http.Request.Query.TryGetValue("validationToken", out var values)) return null;
        var token = values.ToString();
        if (values.Count != 1 || token.Length is 0 or > MaxValidationTokenLength)
            throw ApiProblem.BadRequest("invalid_validation_token", "validationToken must be given once, with 1 to 1024 characters.");
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Text(token, "text/plain", System.Text.Encoding.UTF8);
    }

    private static async Task<List<JsonElement>> ReadItemsAsync(HttpContext http)
    {
        var request = http.Request;
        if (request.ContentLength > MaxBodyBytes) throw TooLarge();
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) throw TooLarge();
            buffer.Write(chunk, 0, read);
        }

        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Array)
                throw ApiProblem.BadRequest("invalid_notification", "A notification body is an object with a value array.");
            return [.. value.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).Select(e => e.Clone())];
        }
        catch (JsonException)
        {
            throw ApiProblem.BadRequest("invalid_json", "The body is not valid JSON.");
        }
    }

    /// <summary>The group a change notification is about: resourceData.id, or the id in resource ("Groups/{id}").</summary>
    private static string? GroupIdOf(JsonElement item)
    {
        var id = item.TryGetProperty("resourceData", out var data) && data.ValueKind == JsonValueKind.Object ? Text(data, "id") : null;
        if (id is null && Text(item, "resource") is { } resource && resource.Split('/') is [var kind, var rest]
            && kind.Equals("groups", StringComparison.OrdinalIgnoreCase))
            id = rest;
        return id is not null && Problems.Text.IsKeySafe(id) ? id : null;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static ApiProblem WrongClientState() =>
        ApiProblem.Forbidden("invalid_client_state", "The notification does not carry the clientState of ModelGate's subscription.");

    private static ApiProblem TooLarge() =>
        new(413, "payload_too_large", "Request body too large.", $"Notification bodies are at most {MaxBodyBytes} bytes.");
}
