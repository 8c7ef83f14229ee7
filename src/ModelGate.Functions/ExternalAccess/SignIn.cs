using System.Runtime.CompilerServices;
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

/// <summary>The groups of one sign-in record, with the version they were read at.</summary>
public sealed record SignInGroups(string TenantId, string ObjectId, IReadOnlyList<string> Groups, ETag ETag)
{
    public string UserId => TenantId + ":" + ObjectId;
}

/// <summary>New groups for a sign-in record, written only over the version read.</summary>
/// <param name="Read">The record as read; its ETag is the precondition.</param>
/// <param name="Groups">The groups to store.</param>
/// <param name="Source">What the groups now come from (GroupsSource): "directory" after a refresh, "deleted" for a user Graph no longer knows.</param>
/// <param name="ClearRoles">Also drop the stored roles (a deleted user keeps nothing a key could use).</param>
public sealed record SignInGroupsUpdate(SignInGroups Read, IReadOnlyList<string> Groups, string Source, bool ClearRoles = false);

/// <summary>Sign-in records in the Users table: partition = tenant, row = object id.</summary>
public sealed class SignIns(Tables tables)
{
    /// <summary>GroupsSource of a record whose groups the directory refresh last wrote.</summary>
    public const string DirectorySource = "directory";

    /// <summary>GroupsSource of a record whose user Graph no longer knows.</summary>
    public const string DeletedSource = "deleted";

    private static readonly string[] GroupsColumns = ["PartitionKey", "RowKey", "Groups"];

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

    /// <summary>The groups of every sign-in record of a tenant, with their versions.</summary>
    public async IAsyncEnumerable<SignInGroups> ListGroupsAsync(string tenantId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableFilter.Create($"PartitionKey eq {tenantId}");
        await foreach (var entity in tables.Users.QueryAsync(filter, select: GroupsColumns, cancellationToken: cancellationToken))
            yield return ToGroups(tenantId, entity);
    }

    /// <summary>The groups of one sign-in record, or null when the person never signed in.</summary>
    public async Task<SignInGroups?> GetGroupsAsync(string tenantId, string objectId, CancellationToken cancellationToken)
    {
        var entity = await tables.Users.GetEntityIfExistsAsync(tenantId, objectId, GroupsColumns, cancellationToken);
        return entity is null ? null : ToGroups(tenantId, entity);
    }

    /// <summary>
    /// Writes new groups to up to 100 records of one tenant in one transaction, each only over the version read
    /// (Merge: name, roles and last sign-in stay as they are, unless roles are cleared). A record changed since it
    /// was read fails the whole transaction with 412 (404 if it was deleted), naming that record.
    /// </summary>
    public async Task<IReadOnlyList<ETag>> UpdateGroupsAsync(IReadOnlyList<SignInGroupsUpdate> updates, CancellationToken cancellationToken) =>
        await tables.Users.SubmitTransactionAsync(updates.Select(u =>
        {
            var entity = new TableEntity(u.Read.TenantId, u.Read.ObjectId)
            {
                ["Groups"] = JsonSerializer.Serialize(u.Groups),
                ["GroupsSource"] = u.Source,
            };
            if (u.ClearRoles) entity["Roles"] = "[]";
            return new TableTransactionAction(TableTransactionActionType.UpdateMerge, entity, u.Read.ETag);
        }), cancellationToken);

    private static SignInGroups ToGroups(string tenantId, TableEntity entity) => new(
        tenantId,
        entity.RowKey,
        JsonSerializer.Deserialize<string[]>(entity.GetString("Groups") ?? "[]") ?? [],
        entity.ETag);
}
