using System.Text.Json;
using Azure;
using ModelGate.Identity;
using ModelGate.Storage;

namespace ModelGate.ExternalAccess;

/// <summary>
/// What ModelGate knows of a person between sign-ins: their groups and roles as of the last sign-in (or
/// the last directory refresh) and when they last signed in. API key calls are decided on this record,
/// since a key carries no token.
/// </summary>
public sealed record SignIn(
    string TenantId,
    string ObjectId,
    string Name,
    IReadOnlyList<string> Groups,
    IReadOnlyList<string> Roles,
    DateTimeOffset LastLoginAt,
    string GroupsSource)
{
    public string UserId => TenantId + ":" + ObjectId;

    /// <summary>No ModelGate role: the same answer as <see cref="CurrentUser.IsExternal"/>, without building a caller.</summary>
    public bool IsExternal
    {
        get
        {
            // Indexing, not foreach: the proxy asks on every call, and an interface enumerator is an allocation.
            for (var i = 0; i < Roles.Count; i++)
                if (Identity.Roles.All.Contains(Roles[i])) return false;
            return true;
        }
    }

    /// <summary>The person as a caller, so model-group access rules apply to key calls unchanged.</summary>
    public CurrentUser AsCaller() => new()
    {
        TenantId = TenantId,
        ObjectId = ObjectId,
        Name = Name,
        Groups = Groups,
        Roles = Roles.ToHashSet(StringComparer.Ordinal),
    };
}

/// <summary>Sign-in records in the Users table: partition = tenant, row = object id.</summary>
public sealed class SignIns(Tables tables)
{
    public async Task<SignIn?> GetAsync(string tenantId, string objectId, CancellationToken cancellationToken)
    {
        var entity = await tables.Users.GetEntityIfExistsAsync(tenantId, objectId, cancellationToken: cancellationToken);
        return entity is null ? null : new SignIn(
            tenantId,
            objectId,
            entity.GetString("Name") ?? objectId,
            JsonSerializer.Deserialize<string[]>(entity.GetString("Groups") ?? "[]") ?? [],
            JsonSerializer.Deserialize<string[]>(entity.GetString("Roles") ?? "[]") ?? [],
            entity.GetDateTimeOffset("LastLoginAt") ?? DateTimeOffset.MinValue,
            entity.GetString("GroupsSource") ?? "token");
    }

    public async Task<ETag> SaveAsync(SignIn signIn, CancellationToken cancellationToken) =>
        await tables.Users.UpsertEntityAsync(new TableEntity(signIn.TenantId, signIn.ObjectId)
        {
            ["Name"] = signIn.Name,
            ["Groups"] = JsonSerializer.Serialize(signIn.Groups),
            ["Roles"] = JsonSerializer.Serialize(signIn.Roles),
            ["LastLoginAt"] = signIn.LastLoginAt,
            ["GroupsSource"] = signIn.GroupsSource,
        }, TableUpdateMode.Merge, cancellationToken);
}
