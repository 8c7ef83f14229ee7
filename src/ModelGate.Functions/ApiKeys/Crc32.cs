namespace ModelGate.ApiKeys;

/// <summary>
/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of an API key's text. Written here
/// because System.IO.Hashing is not in the package mirror. It detects typos and truncation, not forgery:
/// anyone can compute it, so it only saves I/O on garbage and never stands in for the secret.
/// </summary>
public static class Crc32
{
    private static readonly uint[] Table = CreateTable();

    /// <summary>The checksum of ASCII text; characters above 0x7F are not expected and would be truncated to a byte.</summary>
    public static uint Compute(ReadOnlySpan<char> ascii)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var c in ascii)
            crc = Table[(crc ^ (byte)c) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (var i = 0u; i < 256; i++)
        {
            var c = i;
            for (var bit = 0; bit < 8; bit++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }
}
