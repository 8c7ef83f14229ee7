using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace ModelGate.DevHost.KeyVault;

/// <summary>
/// Answers Key Vault secrets REST requests. Checks run in one fixed order: route, api-version, bearer token
/// (401 challenge), injected faults, secret name, then the operation itself.
/// </summary>
internal sealed partial class VaultProtocol(SecretStore store, KeyVaultFaults faults, KeyVaultCounters counters, KeyVaultFakeOptions options)
{
    public const int MaxPageSize = 25;

    private const string SkipTokenParameter = "$skiptoken";

    public async Task HandleAsync(HttpContext context)
    {
        counters.CountRequest();
        try
        {
            var latency = faults.Latency;
            if (latency > TimeSpan.Zero)
            {
                await Task.Delay(latency, context.RequestAborted);
            }

            await DispatchAsync(context);
        }
        catch (VaultErrorException error)
        {
            if (error.Status == StatusCodes.Status401Unauthorized)
            {
                // Where SecretClient learns the tenant and the token scope; it then repeats the request with a token.
                context.Response.Headers.WWWAuthenticate =
                    $"Bearer authorization=\"https://login.microsoftonline.com/{options.TenantId}\", resource=\"https://vault.azure.net\"";
            }

            await WriteJsonAsync(context, error.Status, writer => VaultJson.WriteError(writer, error.Code, error.Message, error.InnerCode));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client gave up; there is nobody left to answer.
        }
    }

    private async Task DispatchAsync(HttpContext context)
    {
        var request = context.Request;
        var route = SecretRoute.Match(request.Method, request.Path)
            ?? throw new VaultErrorException(StatusCodes.Status404NotFound, "NotFound", $"No Key Vault operation answers {request.Method} {request.Path}.");

        var apiVersion = request.Query["api-version"].ToString();
        if (apiVersion.Length == 0)
        {
            throw VaultErrorException.BadParameter("The api-version query parameter is required.");
        }

        if (!HasBearerToken(request))
        {
            counters.CountUnauthorized();
            throw new VaultErrorException(StatusCodes.Status401Unauthorized, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.");
        }

        counters.Count(route.Operation);
        if (faults.IsUnavailable(out var outageRetryAfter))
        {
            SetRetryAfter(context.Response, outageRetryAfter);
            throw new VaultErrorException(StatusCodes.Status503ServiceUnavailable, "ServiceUnavailable", "The service is temporarily unavailable. Retry after the Retry-After interval.");
        }

        if (faults.TryTakeThrottle(out var throttleRetryAfter))
        {
            SetRetryAfter(context.Response, throttleRetryAfter);
            throw new VaultErrorException(StatusCodes.Status429TooManyRequests, "Throttled", "Request was not processed because too many requests were received. Reason: A generic throttling error occurred.");
        }

        if (route.Operation != SecretOperation.ListSecrets && !IsValidName(route.Name))
        {
            throw VaultErrorException.BadParameter($"The request URI contains an invalid name: {route.Name}");
        }

        var vault = $"https://{request.Host}/";
        var aborted = context.RequestAborted;
        switch (route.Operation)
        {
            case SecretOperation.SetSecret:
            {
                var change = await SecretChange.ReadAsync(request, valueRequired: true, aborted);
                var (name, version) = store.Set(route.Name, change);
                await WriteJsonAsync(context, StatusCodes.Status200OK, w => VaultJson.WriteSecretBundle(w, vault, name, version, includeValue: true));
                break;
            }

            case SecretOperation.GetSecret:
            {
                var (name, version) = store.Get(route.Name, route.Version);
                await WriteJsonAsync(context, StatusCodes.Status200OK, w => VaultJson.WriteSecretBundle(w, vault, name, version, includeValue: true));
                break;
            }

            case SecretOperation.UpdateSecret:
            {
                var change = await SecretChange.ReadAsync(request, valueRequired: false, aborted);
                var (name, version) = store.Update(route.Name, route.Version, change);
                await WriteJsonAsync(context, StatusCodes.Status200OK, w => VaultJson.WriteSecretBundle(w, vault, name, version, includeValue: false));
                break;
            }

            case SecretOperation.DeleteSecret:
            {
                var deleted = store.Delete(route.Name);
                await WriteJsonAsync(context, StatusCodes.Status200OK, w => VaultJson.WriteDeletedSecretBundle(w, vault, deleted));
                break;
            }

            case SecretOperation.GetDeletedSecret:
            {
                var deleted = store.GetDeleted(route.Name);
                await WriteJsonAsync(context, StatusCodes.Status200OK, w => VaultJson.WriteDeletedSecretBundle(w, vault, deleted));
                break;
            }

            case SecretOperation.ListSecrets:
            {
                var pageSize = ReadPageSize(request);
                var (page, nextAfter) = store.ListSecrets(ReadSkipToken(request), pageSize);
                var nextLink = NextLink($"{vault}secrets", apiVersion, nextAfter, pageSize);
                await WriteJsonAsync(context, StatusCodes.Status200OK, w => VaultJson.WriteSecretItems(
                    w, page.Select(s => ($"{vault}secrets/{s.Name}", s.Latest)), nextLink));
                break;
            }

            case SecretOperation.ListVersions:
            {
                var pageSize = ReadPageSize(request);
                var (name, page, nextAfter) = store.ListVersions(route.Name, ReadSkipToken(request), pageSize);
                var nextLink = NextLink($"{vault}secrets/{name}/versions", apiVersion, nextAfter, pageSize);
                await WriteJsonAsync(context, StatusCodes.Status200OK, w => VaultJson.WriteSecretItems(
                    w, page.Select(v => ($"{vault}secrets/{name}/{v.Version}", v)), nextLink));
                break;
            }
        }
    }

    private static bool HasBearerToken(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && !string.IsNullOrWhiteSpace(authorization[scheme.Length..]);
    }

    [GeneratedRegex("^[0-9a-zA-Z-]{1,127}$")]
    private static partial Regex SecretName();

    private static bool IsValidName(string name) => SecretName().IsMatch(name);

    private int ReadPageSize(HttpRequest request)
    {
        var text = request.Query["maxresults"].ToString();
        if (text.Length == 0)
        {
            return options.DefaultPageSize;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= MaxPageSize
            ? size
            : throw VaultErrorException.BadParameter($"maxresults must be a whole number from 1 to {MaxPageSize}.");
    }

    // The token is opaque to clients; inside it is the last key of the previous page,
    // so paging stays correct when secrets are added between pages.
    private static string? ReadSkipToken(HttpRequest request)
    {
        var token = request.Query[SkipTokenParameter].ToString();
        if (token.Length == 0)
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(token));
        }
        catch (FormatException)
        {
            throw VaultErrorException.BadParameter("The $skiptoken is not valid.");
        }
    }

    // SecretClient follows nextLink as given (it only refreshes api-version), so it must be a complete URL.
    private static string? NextLink(string collection, string apiVersion, string? nextAfter, int pageSize) =>
        nextAfter is null
            ? null
            : $"{collection}?api-version={Uri.EscapeDataString(apiVersion)}&{SkipTokenParameter}={WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(nextAfter))}&maxresults={pageSize}";

    // Retry-After carries whole seconds only; Azure.Core prefers x-ms-retry-after-ms when present,
    // which lets tests ask for waits shorter than a second.
    private static void SetRetryAfter(HttpResponse response, TimeSpan retryAfter)
    {
        response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        if (retryAfter.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            response.Headers["x-ms-retry-after-ms"] = ((long)Math.Ceiling(retryAfter.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
        }
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }
}
