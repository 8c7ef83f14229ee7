using System.ComponentModel.DataAnnotations;

namespace ModelGate.Settings;

/// <summary>Settings admins change at run time. Stored in Table Storage; defaults come from configuration.</summary>
public sealed record GatewaySettings(bool ModelAccessControlEnabled, int RequireExternalUserLoginAfterHours)
{
    /// <summary>-1: no periodic re-login. 0: external access off for every deployment. N: sign in again every N hours.</summary>
    public bool ExternalAccessEnabled => RequireExternalUserLoginAfterHours != 0;

    public const int MaxLoginWindowHours = 10 * 365 * 24;
}

/// <summary>Start values, used until an admin saves settings (section "Settings").</summary>
public sealed class SettingsDefaults
{
    public const string Section = "Settings";

    public bool ModelAccessControlEnabled { get; set; } = true;

    /// <summary>
    /// 24 hours unless configured: without Graph freshness a group change reaches a user at their next
    /// sign-in, so the default re-login window bounds how long a removed member keeps access.
    /// </summary>
    [Range(-1, GatewaySettings.MaxLoginWindowHours)]
    public int RequireExternalUserLoginAfterHours { get; set; } = 24;

    public GatewaySettings ToSettings() => new(ModelAccessControlEnabled, RequireExternalUserLoginAfterHours);
}
