namespace ModelGate.DevHost.KeyVault;

/// <summary>An answer Key Vault gives as <c>{"error":{...}}</c>; thrown wherever the fact is found, written once by the protocol.</summary>
internal sealed class VaultErrorException(int status, string code, string message, string? innerCode = null)
    : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public string? InnerCode { get; } = innerCode;

    public static VaultErrorException BadParameter(string message) => new(StatusCodes.Status400BadRequest, "BadParameter", message);

    public static VaultErrorException SecretNotFound(string name) => new(
        StatusCodes.Status404NotFound,
        "SecretNotFound",
        $"A secret with (name/id) {name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command.");
}
