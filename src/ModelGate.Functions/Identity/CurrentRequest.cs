namespace ModelGate.Identity;

/// <summary>
/// The HTTP request a request scope serves, so the scoped <see cref="CurrentUser"/> can be built from its principal.
/// IHttpContextAccessor would do the same, but merely registering it makes ASP.NET Core stop reusing HttpContext
/// objects between requests and write an AsyncLocal twice per request: a cost every model call through the proxy
/// would pay, though the proxy never needs a CurrentUser.
/// </summary>
internal sealed class CurrentRequest
{
    public HttpContext? HttpContext { get; set; }
}
