using ModelGate.Hosting;

namespace ModelGate.GroupFreshness;

public static class GroupFreshnessSetup
{
    /// <summary>The refresh, its state, the subscription, the notification worker and the two timer jobs.</summary>
    public static IServiceCollection AddGroupFreshness(this IServiceCollection services)
    {
        services.AddOptions<GroupFreshnessOptions>().BindConfiguration(GroupFreshnessOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<MembershipStore>();
        services.AddSingleton<NamedGroups>();
        services.AddSingleton<SignInSnapshots>();
        services.AddSingleton<GroupRefresher>();
        services.AddSingleton<RefreshQueue>();
        services.AddSingleton<TrackedGroupsView>();
        services.AddSingleton<SubscriptionKeeper>();
        services.AddSingleton<RefreshWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<RefreshWorker>());
        // Registered in this order so a local scheduler that runs every job at start subscribes before it refreshes.
        services.AddTimerJob<RenewGraphSubscriptionJob>();
        services.AddTimerJob<RefreshExternalGroupsJob>();
        return services;
    }
}
