using ModelGate.Deployments;
using ModelGate.ModelGroups;
using ModelGate.Settings;

namespace ModelGate.ExternalAccess;

public enum InvokeDenial { None, ExternalAccessDisabled, LoginRequired, DeploymentForbidden }

/// <summary>
/// Who may invoke a deployment: internal users (a ModelGate role) through access to the model's group;
/// anyone through an external grant (exact, case-sensitive group match) while external access is on and
/// their last sign-in is inside the re-login window.
/// </summary>
public static class InvokePermission
{
    public static InvokeDenial Decide(SignIn user, ExternalGrants grants, ModelGroup? group, GatewaySettings settings, DateTimeOffset now)
    {
        // Runs on every model call. Most callers are external, and their decision needs no caller object.
        if (!user.IsExternal && group is not null && ModelGroupAccess.CanSee(group, user.AsCaller(), settings.ModelAccessControlEnabled))
            return InvokeDenial.None;

        if (!settings.ExternalAccessEnabled) return InvokeDenial.ExternalAccessDisabled;
        if (LoginRequiredBy(user.LastLoginAt, settings) is { } deadline && now > deadline) return InvokeDenial.LoginRequired;
        return grants.Grants(user.Groups) ? InvokeDenial.None : InvokeDenial.DeploymentForbidden;
    }

    /// <summary>When the next sign-in is due; null when no periodic sign-in is required (-1) or external access is off (0).</summary>
    public static DateTimeOffset? LoginRequiredBy(DateTimeOffset lastLoginAt, GatewaySettings settings) =>
        settings.RequireExternalUserLoginAfterHours > 0 ? lastLoginAt.AddHours(settings.RequireExternalUserLoginAfterHours) : null;
}
