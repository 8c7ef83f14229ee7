using ModelGate.Hosting;
using ModelGate.Identity;
using ModelGate.Problems;
using ModelGate.Settings;
using static ModelGate.ModelGroups.ModelGroupsApi;

namespace ModelGate.ModelGroups;

/// <summary>Models registered into model groups. Versions count up per group.</summary>
public static class ModelsApi
{
    public sealed record RegisterModelRequest(string? Name, string? Description);

    public sealed record RegisteredModel(string ModelId, int Version);

    public sealed record ModelResponse(string ModelId, string Name, string? Description, string ModelGroupId, int Version,
        bool Hidden, OwnerResponse Owner, DateTimeOffset CreatedAt)
    {
        public static ModelResponse From(Model m) => new(m.Id, m.Name, m.Description, m.ModelGroupId, m.Version, m.Hidden,
            new OwnerResponse(m.Owner.Id, m.Owner.Name), m.CreatedAt);
    }

    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder routes)
    {
        var inGroup = routes.MapGroup("/api/model-groups/{groupId}/models").RequireAuthorization().WithTags("Models");
        inGroup.MapPost("", Register).Accepts<RegisterModelRequest>("application/json").Produces<RegisteredModel>(201);
        inGroup.MapGet("", List).Produces<ListResponse<ModelResponse>>();

        var models = routes.MapGroup("/api/models").RequireAuthorization().WithTags("Models");
        models.MapGet("{id}", Get).Produces<ModelResponse>();
        models.MapDelete("{id}", Delete).Produces(204);
        return routes;
    }

    /// <summary>A SuperAdmin's model is hidden and takes its name as id, as in OpenSearch.</summary>
    public static async Task<IResult> Register(string groupId, HttpContext http, CurrentUser user, ModelCatalog catalog, SettingsStore settings)
    {
        user.RequireFullAccess();
        var body = await RequestBody.ReadAsync<RegisterModelRequest>(http);
        var validation = new Validation();
        var name = validation.Name("name", body.Name);
        var description = validation.FreeText("description", body.Description);
        if (name is not null && user.IsSuperAdmin && !Text.IsKeySafe(name))
            validation.Add("name", "A hidden model's name is its id: at most 128 characters, none of / \\ # ? : |.");
        validation.ThrowIfAny();

        var (current, _) = await settings.GetAsync(http.RequestAborted);
        var model = await ETags.RetryOnConflictAsync(null, async () =>
        {
            var group = await FindVisibleAsync(groupId, user, catalog, current.ModelAccessControlEnabled, http.RequestAborted);
            var hidden = user.IsSuperAdmin;
            return await catalog.RegisterModelAsync(group, new Model(hidden ? name! : Ids.New(), name!, description, group.Id,
                group.LatestVersion + 1, hidden, new Owner(user.Id, user.Name), DateTimeOffset.UtcNow), http.RequestAborted);
        });
        ETags.Set(http.Response, model.ETag);
        return Results.Json(new RegisteredModel(model.Id, model.Version), ApiJson.Options, statusCode: 201);
    }

    public static async Task<IResult> List(string groupId, HttpContext http, CurrentUser user, ModelCatalog catalog, SettingsStore settings)
    {
        user.RequireRead();
        var paging = Paging.From(http.Request);
        var (current, _) = await settings.GetAsync(http.RequestAborted);
        var group = await FindVisibleAsync(groupId, user, catalog, current.ModelAccessControlEnabled, http.RequestAborted);
        var models = catalog.ListModelsAsync(group.Id, paging.After, http.RequestAborted).Where(m => !m.Hidden || user.IsSuperAdmin);
        var page = await paging.TakeAsync(models, m => m.Id, ModelResponse.From, http.RequestAborted);
        return Results.Json(new ListResponse<ModelResponse>(page.Items, page.Continuation), ApiJson.Options);
    }

    public static async Task<IResult> Get(string id, HttpContext http, CurrentUser user, ModelCatalog catalog, SettingsStore settings)
    {
        user.RequireRead();
        var (model, _) = await FindAsync(id, user, catalog, settings, http.RequestAborted);
        ETags.Set(http.Response, model.ETag);
        return Results.Json(ModelResponse.From(model), ApiJson.Options);
    }

    public static async Task<IResult> Delete(string id, HttpContext http, CurrentUser user, ModelCatalog catalog, SettingsStore settings)
    {
        user.RequireFullAccess();
        await ETags.RetryOnConflictAsync(null, async () =>
        {
            var (model, group) = await FindAsync(id, user, catalog, settings, http.RequestAborted);
            if (model.DeploymentCount > 0)
                throw ApiProblem.Conflict("model_deployed", $"{model.DeploymentCount} deployment(s) use this model; delete them first.");
            await catalog.DeleteModelAsync(group, model, http.RequestAborted);
            return true;
        });
        return Results.NoContent();
    }

    /// <summary>Hidden models exist only for SuperAdmins (404 for everyone else); the group decides access.</summary>
    private static async Task<(Model, ModelGroup)> FindAsync(string id, CurrentUser user, ModelCatalog catalog, SettingsStore settings,
        CancellationToken cancellationToken)
    {
        var model = await catalog.GetModelAsync(id, cancellationToken);
        if (model is null || (model.Hidden && !user.IsSuperAdmin))
            throw ApiProblem.NotFound("model_not_found", "No model has this id.");
        var (current, _) = await settings.GetAsync(cancellationToken);
        var group = await FindVisibleAsync(model.ModelGroupId, user, catalog, current.ModelAccessControlEnabled, cancellationToken);
        return (model, group);
    }
}
