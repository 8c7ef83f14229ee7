using System.Net;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.ModelGroups;

/// <summary>
/// Who may do what to a model group: {owner, admin, sharer, non-sharer, read-only, external} ×
/// {public, private, restricted} × {get, list, rename, change access, delete}. "ok" means allowed
/// (for list: the group is listed); "unlisted" means the list answers but leaves the group out.
/// </summary>
public sealed class ModelGroupAccessMatrixTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private const string Ok = "ok";
    private const string Unlisted = "unlisted";
    private const string Forbidden = "model_group_forbidden";
    private const string OwnerOnly = "owner_or_admin_only";
    private const string NoRole = "insufficient_role";

    public static TheoryData<string, string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string, string>();
        string[] ops = ["get", "list", "rename", "change_access", "delete"];
        foreach (var mode in new[] { "public", "private", "restricted" })
        {
            var visible = mode != "private";
            foreach (var op in ops)
            {
                data.Add("owner", mode, op, Ok);
                data.Add("admin", mode, op, Ok);
                data.Add("external", mode, op, NoRole);
                data.Add("sharer", mode, op, Expect(visible, op, canWrite: true));
                data.Add("nonsharer", mode, op, Expect(mode == "public", op, canWrite: true));
                data.Add("reader", mode, op, Expect(visible, op, canWrite: false));
            }
        }
        return data;
    }

    private static string Expect(bool visible, string op, bool canWrite) => op switch
    {
        "get" => visible ? Ok : Forbidden,
        "list" => visible ? Ok : Unlisted,
        _ when !canWrite => NoRole,
        _ when !visible => Forbidden,
        "rename" => Ok,
        _ => OwnerOnly,
    };

    private static TestUser User(string who) => who switch
    {
        "owner" => TestUser.Owner("-matrix"),
        "admin" => TestUser.Admin,
        "sharer" => TestUser.Sharer,
        "nonsharer" => TestUser.NonSharer,
        "reader" => TestUser.Reader,
        _ => TestUser.External,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Caller_OnGroupOfMode_DoingOp_GetsExpectedOutcome(string who, string mode, string op, string expected)
    {
        var owner = fixture.App.ClientFor(TestUser.Owner("-matrix"));
        var name = Http.UniqueName(mode);
        var id = await owner.CreateGroupAsync(mode == "restricted"
            ? new { name, access_mode = mode, backend_roles = new[] { "team-a" } }
            : (object)new { name, access_mode = mode });
        var caller = fixture.App.ClientFor(User(who));

        var response = op switch
        {
            "get" => await caller.GetAsync($"/api/model-groups/{id}"),
            "list" => await caller.GetAsync($"/api/model-groups?name={name}"),
            "rename" => await caller.PatchJsonAsync($"/api/model-groups/{id}", new { name = Http.UniqueName("renamed") }),
            "change_access" => await caller.PatchJsonAsync($"/api/model-groups/{id}", new { access_mode = mode == "public" ? "private" : "public" }),
            _ => await caller.DeleteAsync($"/api/model-groups/{id}"),
        };

        switch (expected)
        {
            case Ok when op == "list":
                Assert.Single((await response.AssertStatusAsync(HttpStatusCode.OK))["items"]!.AsArray());
                break;
            case Unlisted:
                Assert.Empty((await response.AssertStatusAsync(HttpStatusCode.OK))["items"]!.AsArray());
                break;
            case Ok:
                Assert.True(response.IsSuccessStatusCode, $"{who} {op} on {mode}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                break;
            case Forbidden or OwnerOnly or NoRole:
                await response.AssertProblemAsync(HttpStatusCode.Forbidden, expected);
                break;
        }
    }
}
