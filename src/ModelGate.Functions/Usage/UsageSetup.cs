using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGate.Storage;

namespace ModelGate.Usage;

public static class UsageSetup
{
    public static IServiceCollection AddUsage(this IServiceCollection services)
    {
        services.AddOptions<UsageOptions>().BindConfiguration(UsageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new UsageMeter(
            sp.GetRequiredService<Tables>().Usage,
            NewInstanceId(sp.GetRequiredService<IConfiguration>()["WEBSITE_INSTANCE_ID"]),
            sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<UsageFlusher>();
        return services;
    }

    /// <summary>
    /// The id that makes this process's usage rows its own: a random part per process start, after (when
    /// running in Azure) a short form of WEBSITE_INSTANCE_ID so rows can be traced to a worker. The random
    /// part is needed even in Azure: WEBSITE_INSTANCE_ID survives a restart on the same worker, and a
    /// restarted process writing its fresh, smaller totals over the previous process's rows would erase
    /// calls already counted.
    /// </summary>
    public static string NewInstanceId(string? websiteInstanceId)
    {
        var random = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var worker = new string((websiteInstanceId ?? "").Where(char.IsAsciiLetterOrDigit).Take(16).ToArray());
        return worker.Length > 0 ? worker + "-" + random : random;
    }
}
