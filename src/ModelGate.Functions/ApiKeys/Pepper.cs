namespace ModelGate.ApiKeys;

/// <summary>One version of the HMAC pepper. Versions never change once written, so they are cached for good.</summary>
internal sealed class Pepper(string version, byte[] bytes)
{
    public string Version { get; } = version;
    public byte[] Bytes { get; } = bytes;
}
