namespace ModelGate.DevHost.KeyVault;

internal enum SecretOperation
{
    GetSecret,
    SetSecret,
    UpdateSecret,
    DeleteSecret,
    ListSecrets,
    ListVersions,
    GetDeletedSecret,
}
