using ModelGate.Hosting;
using ModelGate.Identity;
using ModelGate.Problems;
using ModelGate.Settings;

namespace ModelGate.ModelGroups;

/// <summary>/api/model-groups: OpenSearch-style model groups.</summary>
public static class ModelGroupsApi
{
    public sealed record CreateModelGroupRequest(string? Name, string? Description, string? AccessMode,
        string?[]? BackendRoles, bool? AddAllBackendRoles);

    public sealed record UpdateModelGroupRequest(string? Name, string? Description, string? AccessMode,
        string?[]? BackendRoles, bool? AddAllBackendRoles);

    public sealed record CreatedModelGroup(string ModelGroupId, string Status);

    public sealed record OwnerResponse(string Id, string Name);

    public sealed record ModelGroupResponse(string ModelGroupId, string Name, string? Description, AccessMode AccessMode,
        IReadOnlyList<string> BackendRoles, OwnerResponse Owner, int ModelCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
    {
        public static ModelGroupResponse From(ModelGroup g) => new(g.Id, g.Name, g.Description, g.AccessMode, g.BackendRoles,
            new OwnerResponse(g.Owner.Id, g.Owner.Name), g.ModelCount, g.CreatedAt, g.UpdatedAt);
    }

    public sealed record ListResponse<T>(IReadOnlyList<T> Items, string? Continuation);

    public static RouteGroupBuilder MapModelGroupsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/model-groups").RequireAuthorization().WithTags("Model groups");
        group.MapPost("", Create).Accepts<CreateModelGroupRequest>("application/json").Produces<CreatedModelGroup>(201);
        group.MapGet("", List).Produces<ListResponse<ModelGroupResponse>>();
        group.MapGet("{id}", Get).Produces<ModelGroupResponse>();
        group.MapPatch("{id}", Update).Accepts<UpdateModelGroupRequest>("application/json").Produces<ModelGroupResponse>();
        group.MapDelete("{id}", Delete).Produces(204);
        return group;
    }

    public static async Task<IResult> Create(HttpContext http, CurrentUser user, ModelCatalog catalog, SettingsStore settings)
    {
        user.RequireFullAccess();
        var body = await RequestBody.ReadAsync<CreateModelGroupRequest>(http);
        var validation = new Validation();
        var name = validation.Name("name", body.Name);
        var description = validation.FreeText("description", body.Description);
        var roles = validation.Identifiers("backend_roles", body.BackendRoles);
        validation.ThrowIfAny();

        var (current, _) = await settings.GetAsync(http.RequestAborted);
        var (mode, backendRoles) = ModelGroupAccess.Decide(new(body.AccessMode, roles, body.AddAllBackendRoles), user,
            current.ModelAccessControlEnabled, current: null);

        var now = DateTimeOffset.UtcNow;
        var created = await catalog.CreateGroupAsync(new ModelGroup(Ids.New(), name!, description, mode, backendRoles,
            new Owner(user.Id, user.Name), now, now, ModelCount: 0, LatestVersion: 0), http.RequestAborted);
        ETags.Set(http.Response, created.ETag);
        return Results.Json(new CreatedModelGroup(created.Id, "CREATED"), ApiJson.Options, statusCode: 201);
    }

    public static async Task<IResult> Get(string id, HttpContext http, CurrentUser user, ModelCatalog catalog, SettingsStore settings)
    {
        user.RequireRead();
        var (current, _) = await settings.GetAsync(http.RequestAborted);
        var group = await FindVisibleAsync(id, user, catalog, current.ModelAccessControlEnabled, http.RequestAborted);
        ETags.Set(http.Response, group.ETag);
        return Results.Json(ModelGroupResponse.From(group), ApiJson.Options);
    }

    /// <summary>What the caller may see: public groups, its own, those sharing a backend role; all for admins.</summary>
    public static async Task<IResult> List(HttpContext http, CurrentUser user, ModelCatalog catalog, SettingsStore settings)
    {
        user.RequireRead();
        var paging = Paging.From(http.Request);
        var nameFilter = http.Request.Query["name"].ToString();
        AccessMode? modeFilter = http.Request.Query["access_mode"].ToString() switch
        {
            "" => null,
            "public" => AccessMode.Public,
            "private" => AccessMode.Private,
            "restricted" => AccessMode.Restricted,
            _ => throw ApiProblem.Validation("access_mode", "One of public, private, restricted."),
        };
        var (current, _) = await settings.GetAsync(http.RequestAborted);
        var visible = catalog.ListGroupsAsync(paging.After, http.RequestAborted).Where(g =>
            ModelGroupAccess.CanSee(g, user, current.ModelAccessControlEnabled)
            && (nameFilter.Length == 0 || string.Equals(g.Name, nameFilter, StringComparison.OrdinalIgnoreCase))
            && (modeFilter is null || g.AccessMode == modeFilter));
        var page = await paging.TakeAsync(visible, g => g.Id, ModelGroupResponse.From, http.RequestAborted);
        return Results.Json(new ListResponse<ModelGroupResponse>(page.Items, page.Continuation), ApiJson.Options);
    }

    /// <summary>
    /// Name and description: anyone with access and FullAccess. Access fields: owner or admin only.
    /// Moving away from restricted clears the backend roles.
    /// </summary>
    public static async Task<IResult> Update(string id, HttpContext http, CurrentUser user, ModelCatalog catalog, SettingsStore settings)
    {
        user.RequireFullAccess();
        var body = await RequestBody.ReadAsync<UpdateModelGroupRequest>(http);
        var validation = new Validation();
        var name = validation.Name("name", body.Name, required: false);
        var description = validation.FreeText("description", body.Description);
        var roles = validation.Identifiers("backend_roles", body.BackendRoles);
        validation.ThrowIfAny();
        var access = new ModelGroupAccess.AccessRequest(body.AccessMode, roles, body.AddAllBackendRoles);
        var ifMatch = ETags.IfMatch(http.Request);

        var updated = await ETags.RetryOnConflictAsync(ifMatch, async () =>
        {
            var (current, _) = await settings.GetAsync(http.RequestAborted);
            var group = await FindVisibleAsync(id, user, catalog, current.ModelAccessControlEnabled, http.RequestAborted);
            if (!access.IsEmpty) ModelGroupAccess.RequireOwnerOrAdmin(group, user);
            var (mode, backendRoles) = ModelGroupAccess.Decide(access, user, current.ModelAccessControlEnabled, group);
            var changed = group with
            {
                Name = name ?? group.Name,
                Description = description ?? group.Description,
                AccessMode = mode,
                BackendRoles = backendRoles,
                UpdatedAt = DateTimeOffset.UtcNow,
            };
            return await catalog.ReplaceGroupAsync(changed, group.Name, ifMatch ?? group.ETag, http.RequestAborted);
        });
        ETags.Set(http.Response, updated.ETag);
        return Results.Json(ModelGroupResponse.From(updated), ApiJson.Options);
    }

    public static async Task<IResult> Delete(string id, HttpContext http, CurrentUser user, ModelCatalog catalog, SettingsStore settings)
    {
        user.RequireFullAccess();
        var ifMatch = ETags.IfMatch(http.Request);
        await ETags.RetryOnConflictAsync(ifMatch, async () =>
        {
            var (current, _) = await settings.GetAsync(http.RequestAborted);
            var group = await FindVisibleAsync(id, user, catalog, current.ModelAccessControlEnabled, http.RequestAborted);
            ModelGroupAccess.RequireOwnerOrAdmin(group, user);
            if (group.ModelCount > 0)
                throw ApiProblem.Conflict("model_group_not_empty", $"The model group still holds {group.ModelCount} model(s); delete them first.");
            await catalog.DeleteGroupAsync(group, ifMatch ?? group.ETag, http.RequestAborted);
            return true;
        });
        return Results.NoContent();
    }

    /// <summary>404 when the group does not exist, 403 model_group_forbidden when the caller may not see it.</summary>
    internal static async Task<ModelGroup> FindVisibleAsync(string id, CurrentUser user, ModelCatalog catalog, bool accessControlEnabled,
        CancellationToken cancellationToken)
    {
        var group = await catalog.GetGroupAsync(id, cancellationToken)
            ?? throw ApiProblem.NotFound("model_group_not_found", "No model group has this id.");
        ModelGroupAccess.RequireVisible(group, user, accessControlEnabled);
        return group;
    }
}
