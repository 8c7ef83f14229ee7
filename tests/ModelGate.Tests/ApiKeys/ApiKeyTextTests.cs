using System.Text;
using ModelGate.ApiKeys;

namespace ModelGate.Tests.ApiKeys;

public sealed class ApiKeyTextTests
{
    [Fact]
    public void Crc32_OfTheStandardCheckInput_IsTheStandardCheckValue()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"));
        Assert.Equal(0u, Crc32.Compute(""));
    }

    [Fact]
    public void New_HasPrefixIdSecretAndChecksumInTheirPlaces()
    {
        var key = ApiKeyText.New();

        Assert.Equal(ApiKeyText.Length, key.Length);
        Assert.Equal(58, key.Length);
        Assert.Matches("^mg_[0-9abcdefghjkmnpqrstvwxyz]{16}_[0-9A-Za-z]{32}[0-9A-Za-z]{6}$", key);
        Assert.True(ApiKeyText.TryParse(key, out var keyId));
        Assert.Equal(key.Substring(3, 16), keyId.ToString());
    }

    [Fact]
    public void New_ChecksumIsTheCrc32OfEverythingBeforeIt()
    {
        var key = ApiKeyText.New();
        var body = key[..52];

        Assert.Equal(key, ApiKeyTestData.WithSecret(key, body[20..]));
        Assert.Equal(Crc32.Compute(body), Decode(key[52..]));
    }

    [Fact]
    public void New_NeverRepeatsAnIdOrASecret()
    {
        var keys = Enumerable.Range(0, 2000).Select(_ => ApiKeyText.New()).ToList();

        Assert.Equal(keys.Count, keys.Select(k => k.Substring(3, 16)).Distinct().Count());
        Assert.Equal(keys.Count, keys.Select(ApiKeyTestData.SecretPartOf).Distinct().Count());
        // Every base62 character turns up in the secrets: the alphabet is used whole, not a biased part of it.
        Assert.Equal(62, keys.SelectMany(ApiKeyTestData.SecretPartOf).Distinct().Count());
    }

    [Fact]
    public void TryParse_AnySingleCharacterChanged_IsRefused()
    {
        var key = ApiKeyText.New();
        for (var i = 0; i < key.Length; i++)
        {
            foreach (var replacement in "0aZ_-")
            {
                if (key[i] == replacement) continue;
                var changed = new StringBuilder(key) { [i] = replacement }.ToString();
                Assert.False(ApiKeyText.TryParse(changed, out _), $"accepted {changed} (position {i})");
            }
        }
    }

    [Fact]
    public void TryParse_TwoAdjacentCharactersSwapped_IsRefused()
    {
        var key = ApiKeyText.New();
        for (var i = 3; i < key.Length - 1; i++)
        {
            if (key[i] == key[i + 1]) continue;
            var chars = key.ToCharArray();
            (chars[i], chars[i + 1]) = (chars[i + 1], chars[i]);
            Assert.False(ApiKeyText.TryParse(new string(chars), out _), $"accepted a swap at {i}");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("mg_")]
    [InlineData("Bearer mg_0123456789abcdef_0123456789ABCDEFGHIJKLMNOPQRSTUV000000")]
    [InlineData("sk-0123456789abcdef0123456789abcdef0123456789abcdef0123456789")]
    [InlineData("MG_0123456789abcdef_0123456789ABCDEFGHIJKLMNOPQRSTUV000000")]
    [InlineData("mg_0123456789ABCDEF_0123456789ABCDEFGHIJKLMNOPQRSTUV000000")]
    [InlineData("mg_0123456789abcdei_0123456789ABCDEFGHIJKLMNOPQRSTUV000000")]
    [InlineData("mg_0123456789abcdef_0123456789ABCDEFGHIJKLMNOPQRSTU\u00e9000000")]
    public void TryParse_Garbage_IsRefused(string text) => Assert.False(ApiKeyText.TryParse(text, out _));

    [Fact]
    public void TryParse_KeyWithSurroundingSpaceOrExtraCharacter_IsRefused()
    {
        var key = ApiKeyText.New();

        Assert.False(ApiKeyText.TryParse(" " + key, out _));
        Assert.False(ApiKeyText.TryParse(key + "\n", out _));
        Assert.False(ApiKeyText.TryParse(key.AsSpan(0, key.Length - 1), out _));
    }

    private static uint Decode(string base62)
    {
        const string alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        ulong value = 0;
        foreach (var c in base62) value = value * 62 + (ulong)alphabet.IndexOf(c);
        return checked((uint)value);
    }
}
