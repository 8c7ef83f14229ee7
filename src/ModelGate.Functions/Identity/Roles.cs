namespace ModelGate.Identity;

/// <summary>App roles carried in the token's roles claim (OpenSearch's admin, superadmin, ml_full_access, ml_readonly_access).</summary>
public static class Roles
{
    public const string Admin = "ModelGate.Admin";
    public const string SuperAdmin = "ModelGate.SuperAdmin";
    public const string FullAccess = "ModelGate.FullAccess";
    public const string ReadOnly = "ModelGate.ReadOnly";

    public static readonly IReadOnlyList<string> All = [Admin, SuperAdmin, FullAccess, ReadOnly];
}
