using ModelGate.Hosting;

namespace ModelGate.Identity;

/// <summary>How callers' Entra ID v2 access tokens are validated (section "Identity").</summary>
public sealed class IdentityOptions
{
    public const string Section = "Identity";

    /// <summary>Login host; change only for sovereign clouds.</summary>
    public string Instance { get; set; } = "https://login.microsoftonline.com/";

    /// <summary>The Entra tenant whose users may call ModelGate. Required unless the development issuer is on.</summary>
    [AzureSetting]
    public string? TenantId { get; set; }

    /// <summary>The ModelGate API app registration's client id; v2 tokens carry it as audience.</summary>
    [AzureSetting]
    public string? ClientId { get; set; }

    /// <summary>An extra accepted audience, such as the app id URI (api://...).</summary>
    public string? Audience { get; set; }

    public DevelopmentIssuerOptions DevelopmentIssuer { get; set; } = new();

    /// <summary>Returns why the options cannot work, or null when they can.</summary>
    public string? Problem()
    {
        if (DevelopmentIssuer.Enabled) return null;
        if (!Guid.TryParse(TenantId, out _)) return "Identity:TenantId must be the Entra tenant id (a GUID).";
        if (string.IsNullOrWhiteSpace(ClientId)) return "Identity:ClientId must be the API app registration's client id.";
        return null;
    }
}

/// <summary>The local token issuer for development and tests; refused when the app runs in Azure.</summary>
public sealed class DevelopmentIssuerOptions
{
    public bool Enabled { get; set; }

    /// <summary>PEM file holding the signing key, so tokens stay valid across restarts; empty = a new key each start.</summary>
    public string? SigningKeyPath { get; set; }
}
