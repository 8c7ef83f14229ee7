using ModelGate.Deployments;
using ModelGate.ExternalAccess;
using ModelGate.ModelGroups;
using ModelGate.Settings;

namespace ModelGate.Tests.ExternalAccess;

/// <summary>The invoke decision as a pure function: the order of denials and the clock.</summary>
public sealed class InvokePermissionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly ExternalGrants GrantsLab1 = new("d", ["LAB1"]);
    private static readonly ModelGroup PrivateGroup = new("g", "G", null, AccessMode.Private, [], new Owner("t:owner", "O"), Now, Now, 1, 1);

    private static SignIn External(string[] groups, TimeSpan sinceLogin) =>
        new("t", "ext", "Ext", groups, [], Now - sinceLogin, "token");

    [Theory]
    [InlineData(-1, 1000, "LAB1", InvokeDenial.None)]
    [InlineData(24, 23, "LAB1", InvokeDenial.None)]
    [InlineData(24, 25, "LAB1", InvokeDenial.LoginRequired)]
    [InlineData(0, 0, "LAB1", InvokeDenial.ExternalAccessDisabled)]
    [InlineData(24, 1, "lab1", InvokeDenial.DeploymentForbidden)]
    [InlineData(24, 25, "lab1", InvokeDenial.LoginRequired)]
    [InlineData(0, 25, "lab1", InvokeDenial.ExternalAccessDisabled)]
    public void ExternalUser_DenialsComeInContractOrder(int windowHours, int hoursSinceLogin, string group, InvokeDenial expected)
    {
        var settings = new GatewaySettings(true, windowHours);
        Assert.Equal(expected, InvokePermission.Decide(External([group], TimeSpan.FromHours(hoursSinceLogin)), GrantsLab1, PrivateGroup, settings, Now));
    }

    [Fact]
    public void InternalUser_WithModelGroupAccess_IsAllowedWithoutGrantOrWindow()
    {
        var owner = new SignIn("t", "owner", "O", [], ["ModelGate.FullAccess"], Now.AddYears(-1), "token");
        Assert.Equal(InvokeDenial.None, InvokePermission.Decide(owner, new ExternalGrants("d", []), PrivateGroup, new GatewaySettings(true, 0), Now));
    }

    [Fact]
    public void InternalUser_WithoutModelGroupAccess_NeedsAGrantLikeAnyoneElse()
    {
        var outsider = new SignIn("t", "other", "O", ["LAB1"], ["ModelGate.FullAccess"], Now.AddHours(-1), "token");
        Assert.Equal(InvokeDenial.None, InvokePermission.Decide(outsider, GrantsLab1, PrivateGroup, new GatewaySettings(true, 24), Now));
        Assert.Equal(InvokeDenial.DeploymentForbidden,
            InvokePermission.Decide(outsider with { Groups = [] }, GrantsLab1, PrivateGroup, new GatewaySettings(true, 24), Now));
    }
}
