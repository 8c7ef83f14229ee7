using System.Security.Cryptography;

namespace ModelGate.Hosting;

/// <summary>
/// Resource ids: 26 lowercase Crockford base32 characters, 48 bits of milliseconds then 80 random bits, so
/// ids sort by creation time (lists page in creation order) and cannot be guessed.
/// </summary>
public static class Ids
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public static string New()
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++) bytes[i] = (byte)(ms >> (8 * (5 - i)));
        RandomNumberGenerator.Fill(bytes[6..]);

        Span<char> chars = stackalloc char[26];
        // 128 bits read as 26 groups of 5 bits (the first group has 3 bits).
        var high = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
        var low = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        var value = new UInt128(high, low);
        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
        return new string(chars);
    }

    public static bool IsValid(string? id)
    {
        if (id is null || id.Length != 26) return false;
        foreach (var c in id) if (!Alphabet.Contains(c)) return false;
        return true;
    }
}
