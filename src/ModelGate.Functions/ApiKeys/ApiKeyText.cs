using System.Security.Cryptography;

namespace ModelGate.ApiKeys;

/// <summary>
/// The text of an API key: <c>mg_&lt;keyId&gt;_&lt;secret&gt;&lt;checksum&gt;</c>. The fixed prefix lets secret
/// scanners find leaked keys; the key id (16 Crockford base32 characters, 80 random bits) finds the record
/// without revealing anything; the secret is 32 base62 characters from the CSPRNG (about 190 bits); the
/// checksum is the CRC-32 of everything before it as 6 base62 characters, so a mistyped or truncated key is
/// refused before any I/O.
/// </summary>
public static class ApiKeyText
{
    public const string Prefix = "mg_";
    public const int KeyIdLength = 16;
    public const int SecretLength = 32;
    public const int ChecksumLength = 6;

    /// <summary>Every key has exactly this many characters.</summary>
    public const int Length = 3 + KeyIdLength + 1 + SecretLength + ChecksumLength;

    private const int KeyIdStart = 3; // after "mg_"
    private const int SeparatorAt = KeyIdStart + KeyIdLength;
    private const int SecretStart = SeparatorAt + 1;
    private const int ChecksumStart = SecretStart + SecretLength;

    // The alphabet of Hosting/Ids: no i, l, o, u, so an id read aloud or retyped stays unambiguous.
    private const string KeyIdAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>A new key from the CSPRNG. Its text is shown to the caller once and kept nowhere.</summary>
    public static string New() => string.Create(Length, 0, static (chars, _) =>
    {
        Prefix.AsSpan().CopyTo(chars);
        RandomNumberGenerator.GetItems(KeyIdAlphabet.AsSpan(), chars.Slice(KeyIdStart, KeyIdLength));
        chars[SeparatorAt] = '_';
        RandomNumberGenerator.GetItems(Base62.AsSpan(), chars.Slice(SecretStart, SecretLength));
        WriteChecksum(Crc32.Compute(chars[..ChecksumStart]), chars[ChecksumStart..]);
    });

    /// <summary>
    /// True when <paramref name="text"/> has the shape of a key and its checksum matches; then
    /// <paramref name="keyId"/> is the id inside it. Pure computation: never any I/O.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out ReadOnlySpan<char> keyId)
    {
        keyId = default;
        if (text.Length != Length || !text.StartsWith(Prefix, StringComparison.Ordinal) || text[SeparatorAt] != '_') return false;

        var id = text.Slice(KeyIdStart, KeyIdLength);
        if (!IsKeyId(id)) return false;
        foreach (var c in text.Slice(SecretStart, SecretLength))
            if (Base62Value(c) < 0) return false;

        ulong checksum = 0;
        foreach (var c in text[ChecksumStart..])
        {
            var digit = Base62Value(c);
            if (digit < 0) return false;
            checksum = checksum * 62 + (ulong)digit;
        }
        if (checksum != Crc32.Compute(text[..ChecksumStart])) return false;

        keyId = id;
        return true;
    }

    /// <summary>The key id inside a well-formed key; the exception for anything else never quotes the text.</summary>
    public static string KeyIdOf(string keyText) =>
        TryParse(keyText, out var keyId) ? keyId.ToString() : throw new ArgumentException("Not a well-formed API key.", nameof(keyText));

    /// <summary>True for a key id as issued: 16 lowercase Crockford base32 characters.</summary>
    public static bool IsKeyId(ReadOnlySpan<char> id)
    {
        if (id.Length != KeyIdLength) return false;
        foreach (var c in id)
            if (KeyIdAlphabet.IndexOf(c) < 0) return false;
        return true;
    }

    /// <summary>What lists show of a key: the prefix and its id, enough to recognise it, useless to call with.</summary>
    public static string DisplayPrefixOf(string keyId) => Prefix + keyId;

    private static void WriteChecksum(uint checksum, Span<char> destination)
    {
        // 62^6 > 2^32, so six digits always suffice; the leading ones are zeros for small values.
        ulong value = checksum;
        for (var i = ChecksumLength - 1; i >= 0; i--)
        {
            destination[i] = Base62[(int)(value % 62)];
            value /= 62;
        }
    }

    private static int Base62Value(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'Z' => c - 'A' + 10,
        >= 'a' and <= 'z' => c - 'a' + 36,
        _ => -1,
    };
}
