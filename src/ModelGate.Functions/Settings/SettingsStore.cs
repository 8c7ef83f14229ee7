using Azure;
using Microsoft.Extensions.Options;
using ModelGate.Problems;
using ModelGate.Storage;

namespace ModelGate.Settings;

/// <summary>Reads and writes the one settings row. Until it is first saved the configured defaults apply.</summary>
public sealed class SettingsStore(Tables tables, IOptions<SettingsDefaults> defaults)
{
    private const string Partition = "settings";
    private const string Row = "gateway";

    /// <summary>The ETag of settings never saved: If-Match with it means "only if nobody saved settings yet".</summary>
    public static readonly ETag DefaultsETag = new("\"defaults\"");

    public async Task<(GatewaySettings Settings, ETag ETag)> GetAsync(CancellationToken cancellationToken)
    {
        var entity = await tables.Settings.GetEntityIfExistsAsync(Partition, Row, cancellationToken: cancellationToken);
        if (entity is null) return (defaults.Value.ToSettings(), DefaultsETag);
        var fallback = defaults.Value;
        return (new GatewaySettings(
            entity.GetBoolean("ModelAccessControlEnabled") ?? fallback.ModelAccessControlEnabled,
            entity.GetInt32("RequireExternalUserLoginAfterHours") ?? fallback.RequireExternalUserLoginAfterHours), entity.ETag);
    }

    public async Task<ETag> SaveAsync(GatewaySettings settings, ETag? ifMatch, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(Partition, Row)
        {
            ["ModelAccessControlEnabled"] = settings.ModelAccessControlEnabled,
            ["RequireExternalUserLoginAfterHours"] = settings.RequireExternalUserLoginAfterHours,
        };
        try
        {
            if (ifMatch is null) return await tables.Settings.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
            if (ifMatch == DefaultsETag) return await tables.Settings.AddEntityAsync(entity, cancellationToken);
            return await tables.Settings.UpdateEntityAsync(entity, ifMatch.Value, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
        {
            throw ApiProblem.PreconditionFailed();
        }
    }
}
