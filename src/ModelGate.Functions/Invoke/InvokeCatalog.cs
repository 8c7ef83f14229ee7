using Microsoft.Extensions.Options;
using ModelGate.Deployments;
using ModelGate.ExternalAccess;
using ModelGate.ModelGroups;
using ModelGate.Settings;

namespace ModelGate.Invoke;

/// <summary>A deployment with what deciding a call on it needs: its grants and its model group.</summary>
public sealed record InvokeTarget(Deployment Deployment, ExternalGrants Grants, ModelGroup? ModelGroup);

/// <summary>
/// The proxy's view of Table Storage, reused for Invoke:CacheSeconds per instance: the bound on how late a
/// change made elsewhere (a grant removed, a sign-in refreshed) takes effect here. Changes made through
/// this instance call Forget, so they apply at once on it.
/// </summary>
public sealed class InvokeCatalog
{
    private readonly DeploymentCatalog deployments;
    private readonly ModelCatalog models;
    private readonly SettingsStore settings;
    private readonly SignIns signIns;
    private readonly ExpiringCache<InvokeTarget> targets;
    private readonly ExpiringCache<SignIn> users;
    private readonly ExpiringCache<GatewaySettings> settingsCache;

    // Made once: a method group passed as an argument is a new delegate on every call, and these are passed on
    // every model call, hit or miss.
    private readonly Func<string, CancellationToken, Task<InvokeTarget?>> loadTarget;
    private readonly Func<string, CancellationToken, Task<SignIn?>> loadSignIn;
    private readonly Func<string, CancellationToken, Task<GatewaySettings?>> loadSettings;

    public InvokeCatalog(DeploymentCatalog deployments, ModelCatalog models, SettingsStore settings, SignIns signIns,
        IOptions<InvokeOptions> options, TimeProvider clock)
    {
        this.deployments = deployments;
        this.models = models;
        this.settings = settings;
        this.signIns = signIns;
        var lifetime = TimeSpan.FromSeconds(options.Value.CacheSeconds);
        targets = new(clock, lifetime);
        users = new(clock, lifetime);
        settingsCache = new(clock, lifetime);
        loadTarget = LoadTargetAsync;
        loadSignIn = LoadSignInAsync;
        loadSettings = LoadSettingsAsync;
    }

    public ValueTask<InvokeTarget?> GetTargetAsync(string deploymentName, CancellationToken cancellationToken) =>
        targets.GetAsync(deploymentName, loadTarget, cancellationToken);

    /// <summary>The sign-in record of "tenant:object", or null when the person never signed in.</summary>
    public ValueTask<SignIn?> GetSignInAsync(string userId, CancellationToken cancellationToken) =>
        users.GetAsync(userId, loadSignIn, cancellationToken);

    public async ValueTask<GatewaySettings> GetSettingsAsync(CancellationToken cancellationToken) =>
        (await settingsCache.GetAsync("", loadSettings, cancellationToken))!;

    public void ForgetDeployment(string name) => targets.Forget(name);

    public void ForgetSignIn(string userId) => users.Forget(userId);

    public void ForgetAll()
    {
        targets.Clear();
        users.Clear();
        settingsCache.Clear();
    }

    private async Task<InvokeTarget?> LoadTargetAsync(string name, CancellationToken cancellationToken)
    {
        var deployment = await deployments.GetAsync(name, cancellationToken);
        if (deployment is null) return null;
        var grants = await deployments.GetGrantsAsync(name, cancellationToken);
        var group = await models.GetGroupAsync(deployment.ModelGroupId, cancellationToken);
        return new InvokeTarget(deployment, grants, group);
    }

    private async Task<SignIn?> LoadSignInAsync(string userId, CancellationToken cancellationToken)
    {
        var separator = userId.IndexOf(':');
        if (separator <= 0) return null;
        return await signIns.GetAsync(userId[..separator], userId[(separator + 1)..], cancellationToken);
    }

    private async Task<GatewaySettings?> LoadSettingsAsync(string _, CancellationToken cancellationToken) =>
        (await settings.GetAsync(cancellationToken)).Settings;
}
