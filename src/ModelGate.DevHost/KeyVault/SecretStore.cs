using System.Text.Json;

namespace ModelGate.DevHost.KeyVault;

/// <summary>
/// The vault's secrets and the rules Key Vault applies to them, optionally kept in a JSON file.
/// One lock serialises changes; records are immutable, so what a caller gets back stays valid after the lock.
/// </summary>
internal sealed class SecretStore
{
    private static readonly TimeSpan SoftDeleteRetention = TimeSpan.FromDays(90);

    private static readonly JsonSerializerOptions FileJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly Lock _gate = new();

    // Key Vault object names are case-insensitive; the sort gives list pages a stable order to resume from.
    private readonly SortedDictionary<string, StoredSecret> _secrets = new(StringComparer.OrdinalIgnoreCase);

    private readonly string? _statePath;

    private SecretStore(string? statePath) => _statePath = statePath;

    public static SecretStore Open(string? statePath)
    {
        var store = new SecretStore(statePath is null ? null : Path.GetFullPath(statePath));
        if (store._statePath is not null && File.Exists(store._statePath))
        {
            store.Load(store._statePath);
        }

        return store;
    }

    public (string Name, StoredSecretVersion Version) Set(string name, SecretChange change)
    {
        var now = Now();
        var version = new StoredSecretVersion
        {
            Version = Guid.NewGuid().ToString("N"),
            Value = change.Value ?? string.Empty,
            ContentType = change.ContentType,
            Enabled = change.Enabled ?? true,
            NotBefore = change.NotBefore,
            Expires = change.Expires,
            Created = now,
            Updated = now,
            Tags = change.Tags,
        };

        lock (_gate)
        {
            _secrets.TryGetValue(name, out var existing);
            if (existing?.IsDeleted == true)
            {
                throw new VaultErrorException(
                    StatusCodes.Status409Conflict,
                    "Conflict",
                    $"Secret {existing.Name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.");
            }

            var next = existing is null
                ? new StoredSecret { Name = name, Versions = [version] }
                : existing with { Versions = [.. existing.Versions, version] };
            Commit(existing, next);
            return (next.Name, version);
        }
    }

    public (string Name, StoredSecretVersion Version) Get(string name, string version)
    {
        lock (_gate)
        {
            var secret = Live(name);
            var found = Find(secret, version);

            // Key Vault refuses to read a disabled version but does not enforce nbf or exp for secrets:
            // honouring them is the reader's job, so the fake must not do it for the app.
            if (!found.Enabled)
            {
                throw new VaultErrorException(
                    StatusCodes.Status403Forbidden,
                    "Forbidden",
                    "Operation get is not allowed on a disabled secret.",
                    "SecretDisabled");
            }

            return (secret.Name, found);
        }
    }

    public (string Name, StoredSecretVersion Version) Update(string name, string version, SecretChange change)
    {
        var now = Now();
        lock (_gate)
        {
            var secret = Live(name);
            var current = Find(secret, version);
            var updated = current with
            {
                ContentType = change.ContentType ?? current.ContentType,
                Enabled = change.Enabled ?? current.Enabled,
                NotBefore = change.NotBefore ?? current.NotBefore,
                Expires = change.Expires ?? current.Expires,
                Tags = change.Tags ?? current.Tags,
                Updated = now,
            };

            var versions = secret.Versions.Select(v => ReferenceEquals(v, current) ? updated : v).ToArray();
            Commit(secret, secret with { Versions = versions });
            return (secret.Name, updated);
        }
    }

    public StoredSecret Delete(string name)
    {
        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            var secret = Live(name);
            var deleted = secret with
            {
                DeletedDate = now.ToUnixTimeSeconds(),
                ScheduledPurgeDate = now.Add(SoftDeleteRetention).ToUnixTimeSeconds(),
            };
            Commit(secret, deleted);
            return deleted;
        }
    }

    public StoredSecret GetDeleted(string name)
    {
        lock (_gate)
        {
            return _secrets.TryGetValue(name, out var secret) && secret.IsDeleted
                ? secret
                : throw new VaultErrorException(StatusCodes.Status404NotFound, "SecretNotFound", $"Deleted Secret not found: {name}");
        }
    }

    /// <summary>Live secrets after <paramref name="afterName"/> in name order; <c>NextAfter</c> is set when more follow.</summary>
    public (IReadOnlyList<StoredSecret> Page, string? NextAfter) ListSecrets(string? afterName, int pageSize)
    {
        lock (_gate)
        {
            var candidates = _secrets.Values
                .Where(s => !s.IsDeleted)
                .Where(s => afterName is null || StringComparer.OrdinalIgnoreCase.Compare(s.Name, afterName) > 0)
                .Take(pageSize + 1)
                .ToList();
            return candidates.Count > pageSize
                ? (candidates.GetRange(0, pageSize), candidates[pageSize - 1].Name)
                : (candidates, null);
        }
    }

    /// <summary>Versions of a live secret after <paramref name="afterVersion"/>, oldest first; an unknown secret has none.</summary>
    public (string Name, IReadOnlyList<StoredSecretVersion> Page, string? NextAfter) ListVersions(string name, string? afterVersion, int pageSize)
    {
        lock (_gate)
        {
            if (!_secrets.TryGetValue(name, out var secret) || secret.IsDeleted)
            {
                return (name, [], null);
            }

            var start = 0;
            if (afterVersion is not null)
            {
                var index = IndexOf(secret, afterVersion);
                start = index >= 0 ? index + 1 : throw VaultErrorException.BadParameter("The $skiptoken is not valid.");
            }

            var page = secret.Versions.Skip(start).Take(pageSize).ToArray();
            var more = start + page.Length < secret.Versions.Count;
            return (secret.Name, page, more ? page[^1].Version : null);
        }
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static StoredSecretVersion Find(StoredSecret secret, string version)
    {
        if (version.Length == 0)
        {
            return secret.Latest;
        }

        var index = IndexOf(secret, version);
        return index >= 0 ? secret.Versions[index] : throw VaultErrorException.SecretNotFound($"{secret.Name}/{version}");
    }

    private static int IndexOf(StoredSecret secret, string version)
    {
        for (var i = 0; i < secret.Versions.Count; i++)
        {
            if (string.Equals(secret.Versions[i].Version, version, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    private StoredSecret Live(string name) =>
        _secrets.TryGetValue(name, out var secret) && !secret.IsDeleted
            ? secret
            : throw VaultErrorException.SecretNotFound(name);

    // The change is written to the file before it is visible, and undone if the write fails,
    // so the file never lags behind what a client was told.
    private void Commit(StoredSecret? previous, StoredSecret next)
    {
        _secrets[next.Name] = next;
        try
        {
            Save();
        }
        catch
        {
            if (previous is null)
            {
                _secrets.Remove(next.Name);
            }
            else
            {
                _secrets[previous.Name] = previous;
            }

            throw;
        }
    }

    private void Load(string path)
    {
        SecretStateFile? file;
        try
        {
            file = JsonSerializer.Deserialize<SecretStateFile>(File.ReadAllBytes(path), FileJson);
        }
        catch (JsonException invalid)
        {
            // Refuse to start rather than start empty and overwrite the developer's secrets with nothing.
            throw new InvalidDataException($"{path} is not a readable Key Vault fake state file.", invalid);
        }

        if (file is null || file.Format != SecretStateFile.CurrentFormat)
        {
            throw new InvalidDataException($"{path} is not a Key Vault fake state file of format {SecretStateFile.CurrentFormat}.");
        }

        foreach (var secret in file.Secrets)
        {
            if (secret.Versions.Count == 0)
            {
                throw new InvalidDataException($"{path}: secret {secret.Name} has no versions.");
            }

            _secrets[secret.Name] = secret;
        }
    }

    private void Save()
    {
        if (_statePath is null)
        {
            return;
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(
            new SecretStateFile(SecretStateFile.CurrentFormat, [.. _secrets.Values]),
            FileJson);

        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(_statePath)!);
        var temporary = _statePath + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // The file holds secret values in the clear: readable by the developer only.
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, fileOptions))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        // A rename replaces the file whole, so a crash leaves the old state or the new one, never half of each.
        File.Move(temporary, _statePath, overwrite: true);
    }
}
