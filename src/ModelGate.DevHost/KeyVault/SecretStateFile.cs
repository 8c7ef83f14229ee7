namespace ModelGate.DevHost.KeyVault;

/// <summary>The JSON file a persistent fake keeps its vault in.</summary>
internal sealed record SecretStateFile(int Format, IReadOnlyList<StoredSecret> Secrets)
{
    public const int CurrentFormat = 1;
}
