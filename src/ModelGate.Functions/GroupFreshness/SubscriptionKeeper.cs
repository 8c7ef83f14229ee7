using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ModelGate.Deployments;
using ModelGate.Directory;
using ModelGate.Storage;

namespace ModelGate.GroupFreshness;

/// <summary>The subscription the app holds and the secret its notifications must carry.</summary>
public sealed record NotificationSecret(string SubscriptionId, string ClientState);

/// <summary>
/// Keeps one Graph subscription to changes of groups (<c>updated,deleted</c>) alive: creates it, renews it well
/// before it expires (Graph allows groups at most 41,760 minutes), recreates it when Graph lost it or the
/// notification URL moved. Its clientState is 256 random bits made with each subscription, kept in the
/// DirectorySync table (readable only by the app's identity, as the table is) and never logged; notifications that
/// do not carry it are refused.
/// </summary>
public sealed class SubscriptionKeeper(
    EntraDirectory directory,
    Tables tables,
    IOptions<GatewayOptions> gateway,
    IOptions<GroupFreshnessOptions> options,
    TimeProvider clock,
    ILogger<SubscriptionKeeper> logger)
{
    public const string NotificationPath = "/api/graph/notifications";
    public const string LifecyclePath = "/api/graph/lifecycle";

    /// <summary>Graph's longest subscription to groups.</summary>
    public const int MaxLifetimeMinutes = 41_760;

    private const string Partition = "subscription";
    private const string Row = "groups";

    // An hour under Graph's limit, so clock skew between here and Graph never gets a renewal refused.
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(MaxLifetimeMinutes - 60);

    // Renewed once less than half its life is left: the hourly timer then has two weeks of chances before it lapses.
    private static readonly TimeSpan RenewWhenLeft = Lifetime / 2;

    // How long an instance trusts the secret it read; a mismatch reads it again at most this often.
    private static readonly TimeSpan SecretLifetime = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RereadAfterMismatch = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _reading = new(1, 1);
    private volatile CachedSecret? _secret;

    private sealed record CachedSecret(NotificationSecret? Value, long ReadAt);

    public bool IsEnabled => options.Value.Enabled && directory.IsEnabled;

    public Uri NotificationUrl => new(gateway.Value.PublicBaseUrl!.AbsoluteUri.TrimEnd('/') + NotificationPath);

    public Uri LifecycleUrl => new(gateway.Value.PublicBaseUrl!.AbsoluteUri.TrimEnd('/') + LifecyclePath);

    /// <summary>
    /// Makes sure the subscription exists and is not close to expiring; <paramref name="renewNow"/> renews it whatever
    /// its expiry (which is how a <c>reauthorizationRequired</c> lifecycle event is answered). Returns false when
    /// another instance was doing the same.
    /// </summary>
    public async Task<bool> EnsureAsync(bool renewNow, CancellationToken cancellationToken)
    {
        if (!IsEnabled) return true;
        await using var lease = await TableLease.TryAcquireAsync(tables.DirectorySync, "subscription", TimeSpan.FromSeconds(options.Value.LeaseSeconds), clock, cancellationToken);
        if (lease is null) return false;

        var row = await tables.DirectorySync.GetEntityIfExistsAsync(Partition, Row, cancellationToken: cancellationToken);
        var id = row?.GetString("SubscriptionId");
        var sameUrl = row?.GetString("NotificationUrl") == NotificationUrl.AbsoluteUri;
        if (id is { Length: > 0 } && sameUrl)
        {
            var current = await directory.GetSubscriptionAsync(id, cancellationToken);
            if (current is not null)
            {
                if (!renewNow && current.ExpiresAt - clock.GetUtcNow() > RenewWhenLeft) return true;
                var renewed = await directory.RenewSubscriptionAsync(id, clock.GetUtcNow() + Lifetime, cancellationToken);
                if (renewed is not null)
                {
                    await tables.DirectorySync.UpsertEntityAsync(new TableEntity(Partition, Row) { ["ExpiresAt"] = renewed.ExpiresAt }, TableUpdateMode.Merge, cancellationToken);
                    logger.LogInformation("Graph subscription {Subscription} renewed until {ExpiresAt:u}", id, renewed.ExpiresAt);
                    return true;
                }
            }
            logger.LogWarning("Graph no longer knows subscription {Subscription}; creating a new one", id);
        }
        else if (id is { Length: > 0 })
        {
            await directory.DeleteSubscriptionAsync(id, cancellationToken);
        }

        // The secret is stored before Graph learns it: notifications can arrive as soon as Graph has answered.
        var clientState = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var stored = new TableEntity(Partition, Row)
        {
            ["SubscriptionId"] = "",
            ["ClientState"] = clientState,
            ["NotificationUrl"] = NotificationUrl.AbsoluteUri,
        };
        await tables.DirectorySync.UpsertEntityAsync(stored, TableUpdateMode.Replace, cancellationToken);
        _secret = new CachedSecret(new NotificationSecret("", clientState), clock.GetTimestamp());

        var created = await directory.CreateGroupSubscriptionAsync(NotificationUrl, LifecycleUrl, clientState, clock.GetUtcNow() + Lifetime, cancellationToken);
        stored["SubscriptionId"] = created.Id;
        stored["ExpiresAt"] = created.ExpiresAt;
        await tables.DirectorySync.UpsertEntityAsync(stored, TableUpdateMode.Replace, cancellationToken);
        _secret = new CachedSecret(new NotificationSecret(created.Id, clientState), clock.GetTimestamp());
        logger.LogInformation("Graph subscription {Subscription} to group changes created, notifying {Url}, until {ExpiresAt:u}",
            created.Id, NotificationUrl, created.ExpiresAt);
        return true;
    }

    /// <summary>
    /// Whether a notification item comes from the app's subscription: its clientState must equal the stored one
    /// (compared in constant time) and its subscription id, once known, must match. A mismatch reads the stored
    /// secret again (at most every few seconds), in case another instance just made a new subscription.
    /// </summary>
    public async Task<bool> AcceptsAsync(string? subscriptionId, string? clientState, CancellationToken cancellationToken)
    {
        if (clientState is null) return false;
        var secret = await SecretAsync(reread: false, cancellationToken);
        if (Matches(secret, subscriptionId, clientState)) return true;
        secret = await SecretAsync(reread: true, cancellationToken);
        return Matches(secret, subscriptionId, clientState);
    }

    /// <summary>Equal strings, in time that depends on neither (hashing first evens out the lengths too).</summary>
    public static bool SameSecret(string expected, string presented) => CryptographicOperations.FixedTimeEquals(
        SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

    private static bool Matches(NotificationSecret? secret, string? subscriptionId, string clientState) =>
        secret is not null
        && SameSecret(secret.ClientState, clientState)
        && (secret.SubscriptionId.Length == 0 || string.Equals(secret.SubscriptionId, subscriptionId, StringComparison.OrdinalIgnoreCase));

    private async Task<NotificationSecret?> SecretAsync(bool reread, CancellationToken cancellationToken)
    {
        var cached = _secret;
        var age = cached is null ? TimeSpan.MaxValue : clock.GetElapsedTime(cached.ReadAt);
        if (cached is not null && age < (reread ? RereadAfterMismatch : SecretLifetime)) return cached.Value;

        await _reading.WaitAsync(cancellationToken);
        try
        {
            if (_secret is { } current && !ReferenceEquals(current, cached)) return current.Value;
            var row = await tables.DirectorySync.GetEntityIfExistsAsync(Partition, Row, cancellationToken: cancellationToken);
            var secret = row?.GetString("ClientState") is { Length: > 0 } state ? new NotificationSecret(row.GetString("SubscriptionId") ?? "", state) : null;
            _secret = new CachedSecret(secret, clock.GetTimestamp());
            return secret;
        }
        finally
        {
            _reading.Release();
        }
    }
}
