namespace ModelGate.DevHost.Graph;

/// <summary>
/// <c>GET /users/{id}</c>: the user's id and display name, or 404 when the directory has no such user (deleted). Clients
/// use it, batched, to tell a deleted user from one who merely left their groups.
/// </summary>
internal sealed class UserEndpoint(TenantDirectory directory)
{
    public GraphResponse Handle(GraphRequest request, string userId)
    {
        request.AllowOnly("$select");
        var displayName = directory.DisplayNameOfUser(userId) ?? throw GraphErrorException.ResourceNotFound(userId);
        return GraphResponse.Json(StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("@odata.context", $"{request.BaseUrl}/$metadata#users/$entity");
            writer.WriteString("id", userId);
            writer.WriteString("displayName", displayName);
            writer.WriteEndObject();
        });
    }
}
