using ModelGate.Identity;

namespace ModelGate.Tests.Infrastructure;

/// <summary>A signed-in person for tests: tenant + object id, roles, and groups (the backend roles).</summary>
public sealed record TestUser(string ObjectId, string Name, string[] Roles, string[] Groups)
{
    public string TenantId { get; init; } = DevelopmentIssuer.DefaultTenantId;

    /// <summary>The token carries Entra's groups overage marker instead of groups (more than 200 groups).</summary>
    public bool GroupsOverage { get; init; }
    public string Id => TenantId + ":" + ObjectId;

    public static TestUser Owner(string suffix = "") => new("owner" + suffix, "Olivia Owner", [ModelGate.Identity.Roles.FullAccess], ["team-a", "team-c"]);
    public static TestUser Admin => new("admin", "Ada Admin", [ModelGate.Identity.Roles.Admin], []);
    public static TestUser SuperAdmin => new("superadmin", "Sam Super", [ModelGate.Identity.Roles.SuperAdmin], []);
    public static TestUser Sharer => new("sharer", "Shay Sharer", [ModelGate.Identity.Roles.FullAccess], ["team-a"]);
    public static TestUser NonSharer => new("nonsharer", "Noah Other", [ModelGate.Identity.Roles.FullAccess], ["team-b"]);
    public static TestUser Reader => new("reader", "Rita Reader", [ModelGate.Identity.Roles.ReadOnly], ["team-a"]);
    public static TestUser External => new("external", "Eve External", [], ["team-a"]);
}
