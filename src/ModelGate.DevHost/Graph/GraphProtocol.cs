namespace ModelGate.DevHost.Graph;

/// <summary>
/// Answers Microsoft Graph v1.0 requests. Checks run in one fixed order: bearer token (401), version and route
/// (404, 405), then faults (503, 429), then the operation. Items of a <c>$batch</c> skip the token and whole-request
/// faults (the batch had them) and take batch-item throttling instead. Bad input always gets a 4xx in Graph's error
/// shape, never a 500.
/// </summary>
internal sealed class GraphProtocol
{
    private const string VersionPrefix = "/v1.0";

    private readonly GraphFaults _faults;
    private readonly GraphCounters _counters;
    private readonly GroupsDeltaEndpoint _delta;
    private readonly CheckMemberGroupsEndpoint _checkMemberGroups;
    private readonly TransitiveMemberOfEndpoint _transitiveMemberOf;
    private readonly SubscriptionsEndpoint _subscriptions;
    private readonly UserEndpoint _user;
    private readonly BatchEndpoint _batch;

    public GraphProtocol(
        TenantDirectory directory,
        SubscriptionStore subscriptions,
        NotificationSender sender,
        GraphFaults faults,
        GraphCounters counters,
        GraphFakeOptions options,
        TimeProvider time)
    {
        _faults = faults;
        _counters = counters;
        _delta = new GroupsDeltaEndpoint(directory, new DeltaSyncStates(), faults, options.PageSize);
        _checkMemberGroups = new CheckMemberGroupsEndpoint(directory);
        _transitiveMemberOf = new TransitiveMemberOfEndpoint(directory, options.PageSize);
        _subscriptions = new SubscriptionsEndpoint(directory, subscriptions, sender, counters, options, time);
        _user = new UserEndpoint(directory);
        _batch = new BatchEndpoint(counters, (item, cancellationToken) => AnswerAsync(item, inBatch: true, cancellationToken));
    }

    public async Task HandleAsync(HttpContext context)
    {
        _counters.CountRequest();
        var requestId = Guid.NewGuid().ToString();
        try
        {
            var latency = _faults.Latency;
            if (latency > TimeSpan.Zero)
            {
                await Task.Delay(latency, context.RequestAborted);
            }

            GraphResponse response;
            if (!HasBearerToken(context.Request))
            {
                _counters.CountUnauthorized();
                response = GraphResponse.Error(
                    new GraphErrorException(StatusCodes.Status401Unauthorized, "InvalidAuthenticationToken", "Access token is empty."),
                    requestId);
            }
            else
            {
                response = await AnswerAsync(await ReadRequestAsync(context), inBatch: false, context.RequestAborted);
            }

            await WriteAsync(context, response, requestId);
        }
        catch (GraphErrorException error)
        {
            await WriteAsync(context, GraphResponse.Error(error, requestId), requestId);
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            var error = new GraphErrorException(StatusCodes.Status413PayloadTooLarge, "RequestEntityTooLarge", "The request body is too large.");
            await WriteAsync(context, GraphResponse.Error(error, requestId), requestId);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client gave up; there is nobody left to answer.
        }
    }

    /// <summary>Routes, counts and answers one request, whole or batched; errors become Graph-shaped answers.</summary>
    private async Task<GraphResponse> AnswerAsync(GraphRequest request, bool inBatch, CancellationToken cancellationToken)
    {
        try
        {
            var route = GraphRoute.Match(request.Segments)
                ?? throw new GraphErrorException(
                    StatusCodes.Status404NotFound,
                    "Request_ResourceNotFound",
                    $"Resource not found for the segment '{request.Segments.LastOrDefault() ?? string.Empty}'.");
            if (!route.Answers(request.Method))
            {
                throw new GraphErrorException(StatusCodes.Status405MethodNotAllowed, "Request_BadRequest", $"The method {request.Method} is not allowed here.");
            }

            if (inBatch && route.Endpoint == GraphEndpoint.Batch)
            {
                throw GraphErrorException.BadRequest("A batch cannot contain another batch.");
            }

            _counters.Count(route.Endpoint);
            ThrowInjectedFault(inBatch);
            return route.Endpoint switch
            {
                GraphEndpoint.GroupsDelta => _delta.Handle(request),
                GraphEndpoint.CheckMemberGroups => _checkMemberGroups.Handle(request, route.Id!),
                GraphEndpoint.TransitiveMemberOf => _transitiveMemberOf.Handle(request, route.Id!, route.Cast),
                GraphEndpoint.Subscriptions => await _subscriptions.HandleAsync(request, route.Id, cancellationToken),
                GraphEndpoint.User => _user.Handle(request, route.Id!),
                _ => await _batch.HandleAsync(request, cancellationToken),
            };
        }
        catch (GraphErrorException error)
        {
            if (error.Status == StatusCodes.Status429TooManyRequests)
            {
                _counters.CountThrottled();
            }

            return GraphResponse.Error(error, Guid.NewGuid().ToString());
        }
    }

    private void ThrowInjectedFault(bool inBatch)
    {
        if (inBatch)
        {
            if (_faults.TryTakeBatchItemThrottle(out var itemRetryAfter))
            {
                throw GraphErrorException.Throttled(itemRetryAfter);
            }

            return;
        }

        if (_faults.IsUnavailable(out var outageRetryAfter))
        {
            throw GraphErrorException.Unavailable(outageRetryAfter);
        }

        if (_faults.TryTakeThrottle(out var retryAfter))
        {
            throw GraphErrorException.Throttled(retryAfter);
        }
    }

    private static bool HasBearerToken(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && !string.IsNullOrWhiteSpace(authorization[scheme.Length..]);
    }

    private static async Task<GraphRequest> ReadRequestAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        if (!path.StartsWith(VersionPrefix + "/", StringComparison.OrdinalIgnoreCase) && !path.Equals(VersionPrefix, StringComparison.OrdinalIgnoreCase))
        {
            throw new GraphErrorException(StatusCodes.Status404NotFound, "Request_ResourceNotFound", "The Graph fake serves only /v1.0.");
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, context.RequestAborted);
        return new GraphRequest(
            request.Method,
            GraphRequest.Split(path[VersionPrefix.Length..]),
            GraphRequest.ReadQuery(request.Query),
            body.ToArray(),
            $"{request.Scheme}://{request.Host}{VersionPrefix}");
    }

    private static async Task WriteAsync(HttpContext context, GraphResponse answer, string requestId)
    {
        var response = context.Response;
        response.StatusCode = answer.Status;
        response.Headers["request-id"] = requestId;
        response.Headers["client-request-id"] = context.Request.Headers["client-request-id"].FirstOrDefault() ?? requestId;
        foreach (var (name, value) in answer.Headers)
        {
            response.Headers[name] = value;
        }

        if (answer.Body is null)
        {
            return;
        }

        response.ContentType = GraphResponse.JsonContentType;
        response.ContentLength = answer.Body.Length;
        await response.Body.WriteAsync(answer.Body, context.RequestAborted);
    }
}
