using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
using ModelGate.ModelGroups;
using ModelGate.Problems;
using ModelGate.Storage;

namespace ModelGate.Deployments;

/// <summary>
/// Deployments and their external grants, in the catalog partition next to the models they serve: creating
/// or deleting a deployment moves the model's deployment count in the same batch, so a model in use can
/// never be deleted, however the requests interleave.
/// </summary>
public sealed class DeploymentCatalog(Tables tables)
{
    private const string Partition = ModelCatalog.Partition;
    private const string DeploymentPrefix = "deployment|";
    private const string GrantsPrefix = "grants|";

    private TableClient Table => tables.Catalog;

    public static bool IsValidName(string? name) =>
        name is { Length: >= 1 and <= 63 } && name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-')
        && name[0] != '-' && name[^1] != '-';

    public async Task<Deployment?> GetAsync(string name, CancellationToken cancellationToken)
    {
        if (!IsValidName(name)) return null;
        var entity = await Table.GetEntityIfExistsAsync(Partition, DeploymentPrefix + name, cancellationToken: cancellationToken);
        return entity is null ? null : ToDeployment(entity);
    }

    public async IAsyncEnumerable<Deployment> ListAsync(string? afterName, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var from = DeploymentPrefix + (afterName ?? "");
        var filter = TableFilter.Create($"PartitionKey eq {Partition} and RowKey gt {from} and RowKey lt {"deployment}"}");
        await foreach (var entity in Table.QueryAsync(filter, cancellationToken: cancellationToken))
            yield return ToDeployment(entity);
    }

    public async Task<Deployment> CreateAsync(Model model, Deployment deployment, CancellationToken cancellationToken)
    {
        try
        {
            var etags = await Table.SubmitTransactionAsync(
            [
                new(TableTransactionActionType.UpdateReplace, ModelCatalog.ToEntity(model with { DeploymentCount = model.DeploymentCount + 1 }), model.ETag),
                new(TableTransactionActionType.Add, ToEntity(deployment)),
                new(TableTransactionActionType.Add, ToEntity(new ExternalGrants(deployment.Name, []))),
            ], cancellationToken);
            return deployment with { ETag = etags[1] };
        }
        catch (TableTransactionFailedException e) when (e.FailedActionIndex == 0 && e.Status is 412 or 404)
        {
            throw ApiProblem.PreconditionFailed();
        }
        catch (TableTransactionFailedException e) when (e.FailedActionIndex is 1 or 2 && e.Status == 409)
        {
            throw ApiProblem.Conflict("name_taken", $"A deployment named '{deployment.Name}' already exists.");
        }
    }

    public async Task<Deployment> ReplaceAsync(Deployment deployment, ETag ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            var etag = await Table.UpdateEntityAsync(ToEntity(deployment), ifMatch, TableUpdateMode.Replace, cancellationToken);
            return deployment with { ETag = etag };
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            throw ApiProblem.PreconditionFailed();
        }
    }

    public async Task DeleteAsync(Model model, Deployment deployment, ETag ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            await Table.SubmitTransactionAsync(
            [
                new(TableTransactionActionType.UpdateReplace, ModelCatalog.ToEntity(model with { DeploymentCount = Math.Max(0, model.DeploymentCount - 1) }), model.ETag),
                new(TableTransactionActionType.Delete, new TableEntity(Partition, DeploymentPrefix + deployment.Name), ifMatch),
                new(TableTransactionActionType.Delete, new TableEntity(Partition, GrantsPrefix + deployment.Name), ETag.All),
            ], cancellationToken);
        }
        catch (TableTransactionFailedException e) when (e.Status is 412 or 404)
        {
            throw ApiProblem.PreconditionFailed();
        }
    }

    public async Task<ExternalGrants> GetGrantsAsync(string deploymentName, CancellationToken cancellationToken)
    {
        var entity = await Table.GetEntityIfExistsAsync(Partition, GrantsPrefix + deploymentName, cancellationToken: cancellationToken);
        return entity is null
            ? new ExternalGrants(deploymentName, [])
            : new ExternalGrants(deploymentName, JsonSerializer.Deserialize<string[]>(entity.GetString("Groups") ?? "[]") ?? []) { ETag = entity.ETag };
    }

    /// <summary>The grants of every deployment.</summary>
    public async IAsyncEnumerable<ExternalGrants> ListGrantsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableFilter.Create($"PartitionKey eq {Partition} and RowKey gt {GrantsPrefix} and RowKey lt {"grants}"}");
        await foreach (var entity in Table.QueryAsync(filter, select: ["RowKey", "Groups"], cancellationToken: cancellationToken))
            yield return new ExternalGrants(entity.RowKey[GrantsPrefix.Length..], JsonSerializer.Deserialize<string[]>(entity.GetString("Groups") ?? "[]") ?? []);
    }

    /// <summary>Replaces the granted groups; a stale ETag is precondition_failed, never a lost update.</summary>
    public async Task<ExternalGrants> ReplaceGrantsAsync(ExternalGrants grants, ETag ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            var etag = await Table.UpdateEntityAsync(ToEntity(grants), ifMatch, TableUpdateMode.Replace, cancellationToken);
            return grants with { ETag = etag };
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            throw ApiProblem.PreconditionFailed();
        }
    }

    private static TableEntity ToEntity(ExternalGrants g) => new(Partition, GrantsPrefix + g.DeploymentName)
    {
        ["Groups"] = JsonSerializer.Serialize(g.Groups),
    };

    private static TableEntity ToEntity(Deployment d) => new(Partition, DeploymentPrefix + d.Name)
    {
        ["ModelId"] = d.ModelId,
        ["ModelGroupId"] = d.ModelGroupId,
        ["ModelHidden"] = d.ModelHidden,
        ["Kind"] = d.Kind.ToString(),
        ["UpstreamUrl"] = d.UpstreamUrl.AbsoluteUri,
        ["Description"] = d.Description,
        // Money as a string: Table Storage has no decimal and a double would round prices.
        ["PricePerCall"] = d.PricePerCall.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["CreatedById"] = d.CreatedBy.Id,
        ["CreatedByName"] = d.CreatedBy.Name,
        ["CreatedAt"] = d.CreatedAt,
        ["UpdatedAt"] = d.UpdatedAt,
        ["RequestsPerMinute"] = d.RequestsPerMinute,
        ["MonthlyCallQuotaPerUser"] = d.MonthlyCallQuotaPerUser,
        ["UpstreamAuthType"] = d.UpstreamAuth.Type.ToString(),
        ["UpstreamAuthHeader"] = d.UpstreamAuth.HeaderName,
        ["UpstreamAuthSecret"] = d.UpstreamAuth.SecretName,
        ["UpstreamAuthScope"] = d.UpstreamAuth.Scope,
    };

    private static Deployment ToDeployment(TableEntity e) => new(
        e.RowKey[DeploymentPrefix.Length..],
        e.GetString("ModelId") ?? "",
        e.GetString("ModelGroupId") ?? "",
        e.GetBoolean("ModelHidden") ?? false,
        Enum.Parse<DeploymentKind>(e.GetString("Kind") ?? nameof(DeploymentKind.Chat)),
        new Uri(e.GetString("UpstreamUrl") ?? "http://invalid/"),
        e.GetString("Description"),
        decimal.Parse(e.GetString("PricePerCall") ?? "0", System.Globalization.CultureInfo.InvariantCulture),
        new Owner(e.GetString("CreatedById") ?? "", e.GetString("CreatedByName") ?? ""),
        e.GetDateTimeOffset("CreatedAt") ?? default,
        e.GetDateTimeOffset("UpdatedAt") ?? default)
    {
        ETag = e.ETag,
        RequestsPerMinute = e.GetInt32("RequestsPerMinute"),
        MonthlyCallQuotaPerUser = e.GetInt64("MonthlyCallQuotaPerUser"),
        UpstreamAuth = new UpstreamAuth(Enum.Parse<UpstreamAuthType>(e.GetString("UpstreamAuthType") ?? nameof(UpstreamAuthType.None)),
            e.GetString("UpstreamAuthHeader"), e.GetString("UpstreamAuthSecret"), e.GetString("UpstreamAuthScope")),
    };
}
