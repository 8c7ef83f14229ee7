using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace ModelGate.Storage;

/// <summary>
/// A storage account name and key for SharedKey authorization. Used with Azurite; in Azure the app signs in
/// with its managed identity instead.
/// </summary>
public sealed class TableSharedKeyCredential
{
    private readonly byte[] _key;

    public TableSharedKeyCredential(string accountName, string accountKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountName);
        ArgumentException.ThrowIfNullOrEmpty(accountKey);
        AccountName = accountName;
        try
        {
            _key = Convert.FromBase64String(accountKey);
        }
        catch (FormatException e)
        {
            throw new ArgumentException("The account key is not valid base64.", nameof(accountKey), e);
        }
    }

    /// <summary>The storage account the key belongs to.</summary>
    public string AccountName { get; }

    internal string Sign(ReadOnlySpan<char> stringToSign)
    {
        int maxBytes = Encoding.UTF8.GetMaxByteCount(stringToSign.Length);
        byte[]? rented = maxBytes > 512 ? ArrayPool<byte>.Shared.Rent(maxBytes) : null;
        try
        {
            Span<byte> buffer = rented ?? stackalloc byte[512];
            int length = Encoding.UTF8.GetBytes(stringToSign, buffer);
            Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(_key, buffer[..length], hash);
            return Convert.ToBase64String(hash);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
