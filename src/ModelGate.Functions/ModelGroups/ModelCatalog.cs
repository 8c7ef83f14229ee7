using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using ModelGate.Problems;
using ModelGate.Storage;

namespace ModelGate.ModelGroups;

/// <summary>
/// Model groups, their name reservations and their models in one Table Storage partition, so that every
/// change that touches several rows (create + reserve name, rename, register a model + count it) is one
/// atomic batch. Model groups are an admin catalogue (hundreds, not millions), well within a partition.
/// </summary>
public sealed class ModelCatalog(Tables tables)
{
    internal const string Partition = "catalog";
    private const string GroupPrefix = "group|";
    private const string NamePrefix = "name|";
    internal const string ModelPrefix = "model|";

    private TableClient Table => tables.Catalog;

    public async Task<ModelGroup?> GetGroupAsync(string id, CancellationToken cancellationToken)
    {
        if (!Text.IsKeySafe(id)) return null;
        var entity = await Table.GetEntityIfExistsAsync(Partition, GroupPrefix + id, cancellationToken: cancellationToken);
        return entity is null ? null : ToGroup(entity);
    }

    /// <summary>All groups in id (creation) order, after <paramref name="afterId"/> when given.</summary>
    public async IAsyncEnumerable<ModelGroup> ListGroupsAsync(string? afterId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var from = GroupPrefix + (afterId ?? "");
        var filter = TableFilter.Create($"PartitionKey eq {Partition} and RowKey gt {from} and RowKey lt {"group}"}");
        await foreach (var entity in Table.QueryAsync(filter, cancellationToken: cancellationToken))
            yield return ToGroup(entity);
    }

    public async Task<ModelGroup> CreateGroupAsync(ModelGroup group, CancellationToken cancellationToken)
    {
        try
        {
            var etags = await Table.SubmitTransactionAsync(
            [
                new(TableTransactionActionType.Add, ToEntity(group)),
                new(TableTransactionActionType.Add, NameReservation(group)),
            ], cancellationToken);
            return group with { ETag = etags[0] };
        }
        catch (TableTransactionFailedException e) when (e.FailedActionIndex == 1 && e.Status == 409)
        {
            throw NameTaken(group.Name);
        }
    }

    /// <summary>Replaces a group, moving its name reservation when the name changes. Stale ETag → precondition_failed.</summary>
    public async Task<ModelGroup> ReplaceGroupAsync(ModelGroup updated, string previousName, ETag ifMatch, CancellationToken cancellationToken)
    {
        List<TableTransactionAction> actions = [new(TableTransactionActionType.UpdateReplace, ToEntity(updated), ifMatch)];
        if (NameKey(previousName) != NameKey(updated.Name))
        {
            actions.Add(new(TableTransactionActionType.Delete, new TableEntity(Partition, NameKey(previousName)), ETag.All));
            actions.Add(new(TableTransactionActionType.Add, NameReservation(updated)));
        }
        try
        {
            var etags = await Table.SubmitTransactionAsync(actions, cancellationToken);
            return updated with { ETag = etags[0] };
        }
        catch (TableTransactionFailedException e) when (e.FailedActionIndex == 0 && e.Status is 412 or 404)
        {
            throw ApiProblem.PreconditionFailed();
        }
        catch (TableTransactionFailedException e) when (e.FailedActionIndex == 2 && e.Status == 409)
        {
            throw NameTaken(updated.Name);
        }
    }

    /// <summary>Deletes an empty group and frees its name; the ETag guards against a model registered meanwhile.</summary>
    public async Task DeleteGroupAsync(ModelGroup group, ETag ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            await Table.SubmitTransactionAsync(
            [
                new(TableTransactionActionType.Delete, new TableEntity(Partition, GroupPrefix + group.Id), ifMatch),
                new(TableTransactionActionType.Delete, new TableEntity(Partition, NameKey(group.Name)), ETag.All),
            ], cancellationToken);
        }
        catch (TableTransactionFailedException e) when (e.Status is 412 or 404)
        {
            throw ApiProblem.PreconditionFailed();
        }
    }

    public async Task<Model?> GetModelAsync(string id, CancellationToken cancellationToken)
    {
        if (!Text.IsKeySafe(id)) return null;
        var entity = await Table.GetEntityIfExistsAsync(Partition, ModelPrefix + id, cancellationToken: cancellationToken);
        return entity is null ? null : ToModel(entity);
    }

    public async IAsyncEnumerable<Model> ListModelsAsync(string groupId, string? afterId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var from = ModelPrefix + (afterId ?? "");
        var filter = TableFilter.Create($"PartitionKey eq {Partition} and RowKey gt {from} and RowKey lt {"model}"} and ModelGroupId eq {groupId}");
        await foreach (var entity in Table.QueryAsync(filter, cancellationToken: cancellationToken))
            yield return ToModel(entity);
    }

    /// <summary>Registers a model as the group's next version; the group's ETag orders concurrent registrations.</summary>
    public async Task<Model> RegisterModelAsync(ModelGroup group, Model model, CancellationToken cancellationToken)
    {
        var counted = group with { ModelCount = group.ModelCount + 1, LatestVersion = model.Version };
        try
        {
            var etags = await Table.SubmitTransactionAsync(
            [
                new(TableTransactionActionType.UpdateReplace, ToEntity(counted), group.ETag),
                new(TableTransactionActionType.Add, ToEntity(model)),
            ], cancellationToken);
            return model with { ETag = etags[1] };
        }
        catch (TableTransactionFailedException e) when (e.FailedActionIndex == 0 && e.Status is 412 or 404)
        {
            throw ApiProblem.PreconditionFailed();
        }
        catch (TableTransactionFailedException e) when (e.FailedActionIndex == 1 && e.Status == 409)
        {
            throw ApiProblem.Conflict("model_id_taken", "A model with this id already exists; hidden models are identified by their name.");
        }
    }

    public async Task DeleteModelAsync(ModelGroup group, Model model, CancellationToken cancellationToken)
    {
        var uncounted = group with { ModelCount = Math.Max(0, group.ModelCount - 1) };
        try
        {
            await Table.SubmitTransactionAsync(
            [
                new(TableTransactionActionType.UpdateReplace, ToEntity(uncounted), group.ETag),
                new(TableTransactionActionType.Delete, new TableEntity(Partition, ModelPrefix + model.Id), model.ETag),
            ], cancellationToken);
        }
        catch (TableTransactionFailedException e) when (e.Status is 412 or 404)
        {
            throw ApiProblem.PreconditionFailed();
        }
    }

    /// <summary>Names are unique ignoring case; the reservation row's key is a hash so any name fits a key.</summary>
    internal static string NameKey(string name) =>
        NamePrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name.ToUpperInvariant())));

    private static ApiProblem NameTaken(string name) =>
        ApiProblem.Conflict("name_taken", $"A model group named '{name}' already exists (names are compared ignoring case).");

    private static TableEntity NameReservation(ModelGroup group) =>
        new(Partition, NameKey(group.Name)) { ["ModelGroupId"] = group.Id };

    private static TableEntity ToEntity(ModelGroup g) => new(Partition, GroupPrefix + g.Id)
    {
        ["Name"] = g.Name,
        ["Description"] = g.Description,
        ["AccessMode"] = g.AccessMode.ToString(),
        ["BackendRoles"] = JsonSerializer.Serialize(g.BackendRoles),
        ["OwnerId"] = g.Owner.Id,
        ["OwnerName"] = g.Owner.Name,
        ["CreatedAt"] = g.CreatedAt,
        ["UpdatedAt"] = g.UpdatedAt,
        ["ModelCount"] = g.ModelCount,
        ["LatestVersion"] = g.LatestVersion,
    };

    private static ModelGroup ToGroup(TableEntity e) => new(
        e.RowKey[GroupPrefix.Length..],
        e.GetString("Name") ?? "",
        e.GetString("Description"),
        Enum.Parse<AccessMode>(e.GetString("AccessMode") ?? nameof(AccessMode.Private)),
        JsonSerializer.Deserialize<string[]>(e.GetString("BackendRoles") ?? "[]") ?? [],
        new Owner(e.GetString("OwnerId") ?? "", e.GetString("OwnerName") ?? ""),
        e.GetDateTimeOffset("CreatedAt") ?? default,
        e.GetDateTimeOffset("UpdatedAt") ?? default,
        e.GetInt32("ModelCount") ?? 0,
        e.GetInt32("LatestVersion") ?? 0) { ETag = e.ETag };

    internal static TableEntity ToEntity(Model m) => new(Partition, ModelPrefix + m.Id)
    {
        ["Name"] = m.Name,
        ["Description"] = m.Description,
        ["ModelGroupId"] = m.ModelGroupId,
        ["Version"] = m.Version,
        ["Hidden"] = m.Hidden,
        ["OwnerId"] = m.Owner.Id,
        ["OwnerName"] = m.Owner.Name,
        ["CreatedAt"] = m.CreatedAt,
        ["DeploymentCount"] = m.DeploymentCount,
    };

    private static Model ToModel(TableEntity e) => new(
        e.RowKey[ModelPrefix.Length..],
        e.GetString("Name") ?? "",
        e.GetString("Description"),
        e.GetString("ModelGroupId") ?? "",
        e.GetInt32("Version") ?? 0,
        e.GetBoolean("Hidden") ?? false,
        new Owner(e.GetString("OwnerId") ?? "", e.GetString("OwnerName") ?? ""),
        e.GetDateTimeOffset("CreatedAt") ?? default,
        e.GetInt32("DeploymentCount") ?? 0) { ETag = e.ETag };
}
