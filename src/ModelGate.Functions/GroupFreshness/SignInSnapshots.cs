using Microsoft.Extensions.Options;
using ModelGate.Directory;
using ModelGate.ExternalAccess;
using ModelGate.Identity;
using ModelGate.Invoke;
using ModelGate.Storage;

namespace ModelGate.GroupFreshness;

/// <summary>What bringing sign-in records in line with the directory did.</summary>
public sealed record SnapshotResult(int Checked, int Written, int Deleted);

/// <summary>
/// Brings the groups of sign-in records (what the proxy decides key calls on) in line with the directory. Only the
/// named groups (granted or backend roles) are the directory's to decide: for each record they become exactly the
/// named groups the user is in, transitively; every other group in it (from the token) stays as it was, since nothing
/// grants it. Only records that differ are written, 100 to a transaction, each over the version read: a sign-in
/// that lands in between fails the write with 412, and the record is read again and merged, never overwritten.
/// A user who leaves every named group is looked up in Graph: when Graph no longer knows them (deleted), their
/// record keeps no groups and no roles, so none of their keys can be used for anything.
/// </summary>
public sealed class SignInSnapshots(
    SignIns signIns, EntraDirectory directory, InvokeCatalog invokeCatalog, IOptions<IdentityOptions> identity, ILogger<SignInSnapshots> logger)
{
    // Beyond this many users a scan of the tenant's records (1,000 a page) costs less than point reads.
    private const int PointReadLimit = 500;
    private const int ParallelReads = 8;
    private const int MaxBatch = 100;
    private const int MaxConflicts = 50;

    /// <summary>
    /// The tenant whose people sign in: tokens are only accepted from it, so its partition holds every record the
    /// directory can speak for. The development issuer signs for a fixed tenant of its own.
    /// </summary>
    public string TenantId => identity.Value.TenantId is { Length: > 0 } tenant ? tenant : DevelopmentIssuer.DefaultTenantId;

    /// <summary>
    /// Checks the records of <paramref name="users"/> (object ids), or of everyone when null, against
    /// <paramref name="memberships"/> (user → the named groups they are in).
    /// </summary>
    public async Task<SnapshotResult> ReconcileAsync(IReadOnlyCollection<string>? users, IReadOnlySet<string> named,
        IReadOnlyDictionary<string, List<string>> memberships, CancellationToken cancellationToken)
    {
        var records = await ReadAsync(users, cancellationToken);
        var updates = new List<SignInGroupsUpdate>();
        foreach (var record in records)
        {
            var desired = Desired(record.Groups, named, memberships.GetValueOrDefault(record.ObjectId));
            if (!SameSet(record.Groups, desired)) updates.Add(new SignInGroupsUpdate(record, desired, SignIns.DirectorySource));
        }

        var leftEverything = updates.Where(u => u.Read.Groups.Any(named.Contains) && !u.Groups.Any(named.Contains)).Select(u => u.Read.ObjectId).ToList();
        var deleted = leftEverything.Count == 0 ? new HashSet<string>() : await directory.FindDeletedUsersAsync(leftEverything, cancellationToken);
        updates = [.. updates.Select(u => deleted.Contains(u.Read.ObjectId) ? Deleted(u.Read) : u)];

        var written = 0;
        foreach (var batch in updates.Chunk(MaxBatch))
            written += await WriteAsync([.. batch], named, memberships, deleted, cancellationToken);
        if (deleted.Count > 0)
            logger.LogInformation("{Count} users left every tracked group because Graph no longer knows them; their sign-in records keep no groups or roles", deleted.Count);
        return new SnapshotResult(records.Count, written, deleted.Count);
    }

    /// <summary>The record's groups with the named part replaced: its other groups in their order, then the named ones.</summary>
    public static List<string> Desired(IReadOnlyList<string> recorded, IReadOnlySet<string> named, IReadOnlyList<string>? inDirectory) =>
        [.. recorded.Where(g => !named.Contains(g)).Distinct(StringComparer.Ordinal), .. inDirectory ?? []];

    private static bool SameSet(IReadOnlyList<string> a, IReadOnlyList<string> b) =>
        a.ToHashSet(StringComparer.Ordinal).SetEquals(b);

    private static SignInGroupsUpdate Deleted(SignInGroups read) => new(read, [], SignIns.DeletedSource, ClearRoles: true);

    private async Task<List<SignInGroups>> ReadAsync(IReadOnlyCollection<string>? users, CancellationToken cancellationToken)
    {
        var records = new List<SignInGroups>();
        if (users is null || users.Count > PointReadLimit)
        {
            var wanted = users?.ToHashSet(StringComparer.Ordinal);
            await foreach (var record in signIns.ListGroupsAsync(TenantId, cancellationToken))
                if (wanted is null || wanted.Contains(record.ObjectId)) records.Add(record);
            return records;
        }

        var found = new SignInGroups?[users.Count];
        var list = users.ToList();
        await Parallel.ForEachAsync(Enumerable.Range(0, list.Count), new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                // Directory ids that cannot be Table keys cannot be sign-in records either.
                if (Problems.Text.IsKeySafe(list[i])) found[i] = await signIns.GetGroupsAsync(TenantId, list[i], token);
            });
        records.AddRange(found.OfType<SignInGroups>());
        return records;
    }

    /// <summary>
    /// Writes one transaction; when a record changed since it was read, reads it again, works its groups out anew
    /// (a sign-in may have brought other token groups) and tries again without losing the others.
    /// </summary>
    private async Task<int> WriteAsync(List<SignInGroupsUpdate> batch, IReadOnlySet<string> named,
        IReadOnlyDictionary<string, List<string>> memberships, IReadOnlySet<string> deleted, CancellationToken cancellationToken)
    {
        for (var conflicts = 0; batch.Count > 0; conflicts++)
        {
            try
            {
                await signIns.UpdateGroupsAsync(batch, cancellationToken);
                foreach (var update in batch) invokeCatalog.ForgetSignIn(update.Read.UserId);
                return batch.Count;
            }
            catch (TableTransactionFailedException e) when (e.Status is 412 or 404 && e.FailedActionIndex is { } index && index < batch.Count && conflicts < MaxConflicts)
            {
                var stale = batch[index];
                batch.RemoveAt(index);
                var fresh = await signIns.GetGroupsAsync(stale.Read.TenantId, stale.Read.ObjectId, cancellationToken);
                if (fresh is null) continue;
                if (deleted.Contains(fresh.ObjectId))
                {
                    batch.Insert(index, Deleted(fresh));
                    continue;
                }
                var desired = Desired(fresh.Groups, named, memberships.GetValueOrDefault(fresh.ObjectId));
                if (!SameSet(fresh.Groups, desired)) batch.Insert(index, new SignInGroupsUpdate(fresh, desired, SignIns.DirectorySource));
            }
        }
        return 0;
    }
}
