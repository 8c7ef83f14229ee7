using System.Net;
using System.Text.Json;

namespace ModelGate.DevHost.Graph;

/// <summary>
/// <c>/subscriptions</c>: create (with Graph's validation handshake against the notification URLs), read, renew by
/// PATCH, delete. Only group resources can be subscribed to, which is all ModelGate watches.
/// </summary>
internal sealed class SubscriptionsEndpoint(
    TenantDirectory directory,
    SubscriptionStore store,
    NotificationSender sender,
    GraphCounters counters,
    GraphFakeOptions options,
    TimeProvider time)
{
    /// <summary>Graph's longest subscription lifetime for groups (29 days).</summary>
    public const int MaxExpirationMinutes = 41_760;

    /// <summary>Graph's limit on clientState.</summary>
    public const int MaxClientStateLength = 128;

    // The client computes "now + maximum" before the request travels; this much slack keeps that from failing.
    private static readonly TimeSpan ClockAllowance = TimeSpan.FromSeconds(30);

    private static readonly string[] ChangeTypes = ["created", "updated", "deleted"];

    public async Task<GraphResponse> HandleAsync(GraphRequest request, string? id, CancellationToken cancellationToken)
    {
        request.AllowOnly();
        return request.Method.ToUpperInvariant() switch
        {
            "GET" when id is null => List(request),
            "GET" => Write(request, StatusCodes.Status200OK, store.Find(id!) ?? throw NotFound(id!)),
            "POST" => await CreateAsync(request, cancellationToken),
            "PATCH" => await RenewAsync(request, id!, cancellationToken),
            _ => store.Remove(id!) ? GraphResponse.NoContent : throw NotFound(id!),
        };
    }

    private static GraphErrorException NotFound(string id) =>
        new(StatusCodes.Status404NotFound, "ResourceNotFound", $"The object was not found. Subscription id '{id}' does not exist or has expired.");

    private static GraphErrorException ValidationFailed(string reason) => new(
        StatusCodes.Status400BadRequest,
        "ValidationError",
        $"Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request. {reason}");

    private GraphResponse List(GraphRequest request)
    {
        var subscriptions = store.LiveStates();
        return GraphResponse.Json(StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("@odata.context", $"{request.BaseUrl}/$metadata#subscriptions");
            writer.WriteStartArray("value");
            foreach (var state in subscriptions)
            {
                WriteSubscription(writer, state.Subscription, context: null);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private async Task<GraphResponse> CreateAsync(GraphRequest request, CancellationToken cancellationToken)
    {
        using var document = ParseBody(request.Body);
        var body = document.RootElement;

        var changeType = ReadChangeType(RequiredText(body, "changeType"));
        var resource = ReadResource(RequiredText(body, "resource"));
        var notificationUrl = ReadUrl(RequiredText(body, "notificationUrl"), "notificationUrl");
        var lifecycleUrl = OptionalText(body, "lifecycleNotificationUrl") is { } lifecycle ? ReadUrl(lifecycle, "lifecycleNotificationUrl") : null;
        var expiration = ReadExpiration(RequiredText(body, "expirationDateTime"));
        var clientState = OptionalText(body, "clientState");
        if (clientState is { Length: > MaxClientStateLength })
        {
            throw GraphErrorException.BadRequest($"clientState must be at most {MaxClientStateLength} characters.");
        }

        if (body.TryGetProperty("includeResourceData", out var rich) && rich.ValueKind == JsonValueKind.True)
        {
            throw GraphErrorException.BadRequest("Change notifications for groups do not include resource data.");
        }

        // Graph checks every URL it will call before it creates anything.
        await ValidateAsync(notificationUrl, cancellationToken);
        if (lifecycleUrl is not null)
        {
            await ValidateAsync(lifecycleUrl, cancellationToken);
        }

        var subscription = new GraphSubscription(Guid.NewGuid().ToString(), resource, changeType, notificationUrl, lifecycleUrl, expiration, clientState);
        store.Add(subscription, directory.Version);
        return Write(request, StatusCodes.Status201Created, subscription);
    }

    private async Task<GraphResponse> RenewAsync(GraphRequest request, string id, CancellationToken cancellationToken)
    {
        using var document = ParseBody(request.Body);
        var body = document.RootElement;
        foreach (var property in body.EnumerateObject())
        {
            if (property.Name is not ("expirationDateTime" or "notificationUrl" or "@odata.type" or "id"))
            {
                throw GraphErrorException.BadRequest($"Only expirationDateTime and notificationUrl of a subscription can be changed, not {property.Name}.");
            }
        }

        _ = store.Find(id) ?? throw NotFound(id);
        var expiration = OptionalText(body, "expirationDateTime") is { } text ? ReadExpiration(text) : (DateTimeOffset?)null;
        var notificationUrl = OptionalText(body, "notificationUrl") is { } url ? ReadUrl(url, "notificationUrl") : null;
        if (notificationUrl is not null)
        {
            await ValidateAsync(notificationUrl, cancellationToken);
        }

        var renewed = store.Update(id, s => s with
        {
            ExpirationDateTime = expiration ?? s.ExpirationDateTime,
            NotificationUrl = notificationUrl ?? s.NotificationUrl,
        }) ?? throw NotFound(id);
        return Write(request, StatusCodes.Status200OK, renewed);
    }

    private async Task ValidateAsync(Uri url, CancellationToken cancellationToken)
    {
        counters.CountValidationRequest();
        if (await sender.ValidateAsync(url, options.ValidationTimeout, cancellationToken) is { } failure)
        {
            throw ValidationFailed(failure);
        }
    }

    private static JsonDocument ParseBody(ReadOnlyMemory<byte> body)
    {
        try
        {
            var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
        }
        catch (JsonException)
        {
            // Answered below, like any other body that is not an object.
        }

        throw GraphErrorException.BadRequest("The request body must be a JSON object.");
    }

    private static string RequiredText(JsonElement body, string name) =>
        OptionalText(body, name) ?? throw GraphErrorException.BadRequest($"The subscription needs {name}.");

    private static string? OptionalText(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw GraphErrorException.BadRequest($"{name} must be a string.");
    }

    private static string ReadChangeType(string text)
    {
        var types = text.Split(',', StringSplitOptions.TrimEntries);
        if (types.Length == 0 || types.Any(t => !ChangeTypes.Contains(t, StringComparer.Ordinal)))
        {
            throw GraphErrorException.BadRequest($"changeType '{text}' is not valid: use created, updated and deleted, separated by commas.");
        }

        return string.Join(',', types.Distinct(StringComparer.Ordinal));
    }

    private string ReadResource(string resource)
    {
        var segments = resource.Trim('/').Split('/');
        if (!segments[0].Equals("groups", StringComparison.OrdinalIgnoreCase) || segments.Length > 2)
        {
            throw GraphErrorException.BadRequest($"The Graph fake accepts subscriptions to 'groups' or 'groups/{{id}}', not '{resource}'.");
        }

        if (segments.Length == 2 && !directory.ContainsGroup(segments[1]))
        {
            throw GraphErrorException.ResourceNotFound(segments[1]);
        }

        return resource;
    }

    // Graph calls only HTTPS URLs; the fake also calls plain HTTP on loopback, where local runs and tests listen.
    private static Uri ReadUrl(string text, string name)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url)
            || url.Fragment.Length > 0
            || !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && IsLoopback(url))))
        {
            throw GraphErrorException.BadRequest($"{name} must be an absolute https URL (or http on loopback for the fake), not '{text}'.");
        }

        return url;
    }

    private static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    private DateTimeOffset ReadExpiration(string text)
    {
        if (!GraphTime.TryParse(text, out var expiration))
        {
            throw GraphErrorException.BadRequest($"expirationDateTime '{text}' is not a date and time.");
        }

        var now = time.GetUtcNow();
        if (expiration <= now)
        {
            throw GraphErrorException.BadRequest("Subscription expiration must be in the future.");
        }

        if (expiration > now.AddMinutes(MaxExpirationMinutes) + ClockAllowance)
        {
            throw GraphErrorException.BadRequest($"Subscription expiration can only be {MaxExpirationMinutes} minutes in the future for groups.");
        }

        return expiration;
    }

    private GraphResponse Write(GraphRequest request, int status, GraphSubscription subscription) =>
        GraphResponse.Json(status, writer => WriteSubscription(writer, subscription, $"{request.BaseUrl}/$metadata#subscriptions/$entity"));

    private void WriteSubscription(Utf8JsonWriter writer, GraphSubscription subscription, string? context)
    {
        writer.WriteStartObject();
        if (context is not null)
        {
            writer.WriteString("@odata.context", context);
        }

        writer.WriteString("id", subscription.Id);
        writer.WriteString("resource", subscription.Resource);
        writer.WriteString("applicationId", options.ApplicationId);
        writer.WriteString("changeType", subscription.ChangeType);
        if (subscription.ClientState is null)
        {
            writer.WriteNull("clientState");
        }
        else
        {
            writer.WriteString("clientState", subscription.ClientState);
        }

        writer.WriteString("notificationUrl", subscription.NotificationUrl.OriginalString);
        writer.WriteNull("notificationQueryOptions");
        if (subscription.LifecycleNotificationUrl is null)
        {
            writer.WriteNull("lifecycleNotificationUrl");
        }
        else
        {
            writer.WriteString("lifecycleNotificationUrl", subscription.LifecycleNotificationUrl.OriginalString);
        }

        writer.WriteString("expirationDateTime", GraphTime.Format(subscription.ExpirationDateTime));
        writer.WriteString("creatorId", options.ApplicationId);
        writer.WriteBoolean("includeResourceData", false);
        writer.WriteString("latestSupportedTlsVersion", "v1_2");
        writer.WriteNull("encryptionCertificate");
        writer.WriteNull("encryptionCertificateId");
        writer.WriteNull("notificationUrlAppId");
        writer.WriteEndObject();
    }
}
