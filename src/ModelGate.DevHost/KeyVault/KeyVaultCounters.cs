namespace ModelGate.DevHost.KeyVault;

/// <summary>
/// Requests the fake has answered, per operation. A request answered with the 401 challenge counts only as
/// <see cref="Unauthorized"/>, so an operation's count is the number of attempts the client made for it
/// (a throttled attempt and its retry count twice).
/// </summary>
public sealed class KeyVaultCounters
{
    private long _get;
    private long _set;
    private long _update;
    private long _list;
    private long _delete;
    private long _getDeleted;
    private long _unauthorized;
    private long _total;

    /// <summary>Reads of a secret, latest or by version.</summary>
    public long Get => Interlocked.Read(ref _get);

    /// <summary>Writes of a new secret version.</summary>
    public long Set => Interlocked.Read(ref _set);

    /// <summary>Changes of a version's properties.</summary>
    public long Update => Interlocked.Read(ref _update);

    /// <summary>Pages of secrets or of a secret's versions.</summary>
    public long List => Interlocked.Read(ref _list);

    /// <summary>Deletes of a secret.</summary>
    public long Delete => Interlocked.Read(ref _delete);

    /// <summary>Reads of a soft-deleted secret (what DeleteSecretOperation polls).</summary>
    public long GetDeleted => Interlocked.Read(ref _getDeleted);

    /// <summary>Requests answered with the 401 challenge.</summary>
    public long Unauthorized => Interlocked.Read(ref _unauthorized);

    /// <summary>Every request that reached the fake, whatever its answer.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Starts every count again from zero, so a test can count only what follows its setup.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _get, 0);
        Interlocked.Exchange(ref _set, 0);
        Interlocked.Exchange(ref _update, 0);
        Interlocked.Exchange(ref _list, 0);
        Interlocked.Exchange(ref _delete, 0);
        Interlocked.Exchange(ref _getDeleted, 0);
        Interlocked.Exchange(ref _unauthorized, 0);
        Interlocked.Exchange(ref _total, 0);
    }

    internal void CountRequest() => Interlocked.Increment(ref _total);

    internal void CountUnauthorized() => Interlocked.Increment(ref _unauthorized);

    internal void Count(SecretOperation operation)
    {
        switch (operation)
        {
            case SecretOperation.GetSecret:
                Interlocked.Increment(ref _get);
                break;
            case SecretOperation.SetSecret:
                Interlocked.Increment(ref _set);
                break;
            case SecretOperation.UpdateSecret:
                Interlocked.Increment(ref _update);
                break;
            case SecretOperation.ListSecrets:
            case SecretOperation.ListVersions:
                Interlocked.Increment(ref _list);
                break;
            case SecretOperation.DeleteSecret:
                Interlocked.Increment(ref _delete);
                break;
            case SecretOperation.GetDeletedSecret:
                Interlocked.Increment(ref _getDeleted);
                break;
        }
    }
}
