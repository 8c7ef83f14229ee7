using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ModelGate.Identity;

/// <summary>
/// Signs Entra-shaped v2 access tokens for local runs and tests. Its key is handed to the same JWT bearer
/// validation that checks real Entra tokens, so nothing downstream can tell a development token apart.
/// </summary>
public sealed class DevelopmentIssuer
{
    public const string Issuer = "https://modelgate.local/dev-issuer/v2.0";
    public const string DefaultTenantId = "d0d0d0d0-0000-4000-8000-000000000001";
    public const string DefaultAudience = "api://modelgate-dev";

    private readonly JsonWebTokenHandler handler = new();

    public DevelopmentIssuer(RsaSecurityKey signingKey, string audience)
    {
        SigningKey = signingKey;
        Audience = audience;
    }

    public RsaSecurityKey SigningKey { get; }
    public string Audience { get; }

    /// <summary>Loads the key from <paramref name="path"/>, creating it there first; no path = a key for this process only.</summary>
    public static RsaSecurityKey LoadOrCreateKey(string? path)
    {
        var rsa = RSA.Create(2048);
        if (string.IsNullOrEmpty(path)) return Key(rsa);
        if (File.Exists(path))
        {
            rsa.ImportFromPem(File.ReadAllText(path));
            return Key(rsa);
        }
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        File.WriteAllText(temp, rsa.ExportPkcs8PrivateKeyPem());
        File.Move(temp, path, overwrite: true);
        return Key(rsa);
    }

    private static RsaSecurityKey Key(RSA rsa)
    {
        var key = new RsaSecurityKey(rsa);
        key.KeyId = Base64UrlEncoder.Encode(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()))[..16];
        return key;
    }

    /// <summary>
    /// Signs a v2 access token for the person. With groupsOverage it carries Entra's overage marker
    /// (_claim_names/_claim_sources) instead of a groups claim, as Entra does for members of more than 200
    /// groups; the app must then ask Graph.
    /// </summary>
    public string CreateToken(string tenantId, string objectId, string? name, IReadOnlyList<string> groups,
        IReadOnlyList<string> roles, TimeSpan lifetime, bool groupsOverage = false)
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["tid"] = tenantId,
            ["oid"] = objectId,
            ["sub"] = objectId,
            ["ver"] = "2.0",
        };
        if (name is not null) claims["name"] = name;
        if (groupsOverage)
        {
            claims["_claim_names"] = new Dictionary<string, object> { ["groups"] = "src1" };
            claims["_claim_sources"] = new Dictionary<string, object>
            {
                ["src1"] = new Dictionary<string, object> { ["endpoint"] = $"https://graph.microsoft.com/v1.0/users/{objectId}/getMemberObjects" },
            };
        }
        else if (groups.Count > 0)
        {
            claims["groups"] = groups.ToArray();
        }
        if (roles.Count > 0) claims["roles"] = roles.ToArray();

        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = claims,
            Subject = new ClaimsIdentity(),
            SigningCredentials = new SigningCredentials(SigningKey, SecurityAlgorithms.RsaSha256),
        });
    }
}
