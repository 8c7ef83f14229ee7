using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ModelGate.ApiKeys;
using ModelGate.DevHost.Azurite;
using ModelGate.ExternalAccess;
using ModelGate.Invoke;
using ModelGate.Limits;

namespace ModelGate.Bench;

/// <summary>
/// The proxy's decision for one call once everything it needs is cached: key verification, the catalog look-ups,
/// the grant, the key scope and the rate limiter, in the proxy's order, each step also alone. The baseline is the
/// one HMAC-SHA256 a verification cannot avoid, so the ratio says what the rest costs on top.
/// The services are the real app's, over Azurite and the Key Vault fake, with a key made through the API.
/// </summary>
[MemoryDiagnoser]
public class DecisionPathBenchmarks
{
    // The deployment's own limit (1,000,000 a minute) would run dry after a second of millions of calls, and a
    // refused call is not the path measured; the limiter does the same work whatever the limit.
    private const int Unlimited = int.MaxValue;

    // Nothing is forwarded here; the deployment only needs an upstream to exist.
    private static readonly Uri NoUpstream = new("http://127.0.0.1:9/");

    // Every cache at its longest bound, so no entry expires during the run: the refresh after expiry is a Table or
    // Key Vault read, which is not what this measures.
    private static readonly Dictionary<string, string?> CachesForTheRun = new()
    {
        ["Invoke:CacheSeconds"] = "300",
        ["ApiKeys:VerificationCacheSeconds"] = "3600",
    };

    private static readonly Lazy<Task<BenchGateway>> Gateway = new(() => BenchGateway.StartAsync(0, NoUpstream, CachesForTheRun));

    private ApiKeyVerifier verifier = null!;
    private InvokeCatalog catalog = null!;
    private RateLimiter limiter = null!;
    private TimeProvider clock = null!;
    private string key = "";
    private string userId = "";
    private byte[] pepper = [];
    private byte[] keyBytes = [];
    private InvokeTarget target = null!;
    private SignIn signIn = null!;
    private ModelGate.Settings.GatewaySettings settings = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var gateway = await Gateway.Value;
        verifier = gateway.Services.GetRequiredService<ApiKeyVerifier>();
        catalog = gateway.Services.GetRequiredService<InvokeCatalog>();
        limiter = gateway.Services.GetRequiredService<RateLimiter>();
        clock = gateway.Services.GetRequiredService<TimeProvider>();
        key = gateway.ApiKey;
        keyBytes = Encoding.ASCII.GetBytes(key);
        pepper = RandomNumberGenerator.GetBytes(ApiKeySecrets.PepperBytes);

        // The first calls read Table Storage and Key Vault and fill the caches; the benchmarks then only hit them.
        var check = await verifier.VerifyAsync(key);
        if (!check.IsValid) throw new InvalidOperationException($"The benchmark's key does not verify: {check.Failure}.");
        userId = check.Key.UserId;
        target = await catalog.GetTargetAsync(BenchGateway.Deployment, CancellationToken.None)
            ?? throw new InvalidOperationException("The benchmark's deployment is missing.");
        signIn = await catalog.GetSignInAsync(userId, CancellationToken.None)
            ?? throw new InvalidOperationException("The benchmark's user never signed in.");
        settings = await catalog.GetSettingsAsync(CancellationToken.None);
        if (!DecisionPath()) throw new InvalidOperationException("The benchmark's call is refused.");
    }

    [Benchmark(Baseline = true, Description = "HMAC-SHA256(pepper, key)")]
    public byte HmacOfKey()
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(pepper, keyBytes, mac);
        return mac[0];
    }

    [Benchmark(Description = "ApiKeyVerifier.VerifyAsync, cached")]
    public bool VerifyCachedKey() => Completed(verifier.VerifyAsync(key)).IsValid;

    [Benchmark(Description = "InvokeCatalog hits (target, sign-in, settings)")]
    public bool CatalogHits() =>
        Completed(catalog.GetTargetAsync(BenchGateway.Deployment, CancellationToken.None)) is not null
        & Completed(catalog.GetSignInAsync(userId, CancellationToken.None)) is not null
        & Completed(catalog.GetSettingsAsync(CancellationToken.None)) is not null;

    [Benchmark(Description = "InvokePermission.Decide")]
    public InvokeDenial Grant() => InvokePermission.Decide(signIn, target.Grants, target.ModelGroup, settings, clock.GetUtcNow());

    [Benchmark(Description = "RateLimiter.TryAcquire")]
    public bool RateLimit() => limiter.TryAcquire(key, BenchGateway.Deployment, Unlimited, out _);

    /// <summary>What InvokeProxy decides before it forwards, step by step in its order, with the same services.</summary>
    [Benchmark(Description = "whole decision path")]
    public bool DecisionPath()
    {
        var check = Completed(verifier.VerifyAsync(key));
        if (!check.IsValid) return false;
        var found = Completed(catalog.GetTargetAsync(BenchGateway.Deployment, CancellationToken.None));
        if (found?.Deployment is not { } deployment) return false;
        var user = Completed(catalog.GetSignInAsync(check.Key.UserId, CancellationToken.None));
        if (user is null) return false;
        var current = Completed(catalog.GetSettingsAsync(CancellationToken.None));
        if (InvokePermission.Decide(user, found.Grants, found.ModelGroup, current, clock.GetUtcNow()) != InvokeDenial.None) return false;
        if (!check.Key.IsScopedTo(deployment.Name)) return false;
        return deployment.RequestsPerMinute is null || limiter.TryAcquire(check.Key.KeyId, deployment.Name, Unlimited, out _);
    }

    private static T Completed<T>(ValueTask<T> pending) =>
        pending.IsCompletedSuccessfully ? pending.Result : throw new InvalidOperationException("A cached step went to a store: the benchmark no longer measures the cached path.");

    /// <summary>Runs the benchmarks (ShortRun, in this process: no generated project to build) and checks the targets.</summary>
    public static int Run(string[] args)
    {
        // bench/results is git-ignored: BenchmarkDotNet's reports (markdown, CSV, HTML) stay there for a look later.
        var artifacts = Path.Combine(RepoPaths.Root, "bench", "results", "micro");
        var config = DefaultConfig.Instance
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess"))
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.DisableLogFile);
        try
        {
            var summary = BenchmarkRunner.Run(typeof(DecisionPathBenchmarks), config, args);
            PrintTargets(summary);
            return summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success) ? 1 : 0;
        }
        finally
        {
            if (Gateway.IsValueCreated && Gateway.Value.IsCompletedSuccessfully)
                Gateway.Value.Result.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static void PrintTargets(Summary summary)
    {
        var path = summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == nameof(DecisionPath));
        if (path?.ResultStatistics is null)
        {
            Console.WriteLine("Decision path: no result (filtered out or failed).");
            return;
        }
        var micros = path.ResultStatistics.Mean / 1000;
        var bytes = path.GcStats.GetBytesAllocatedPerOperation(path.BenchmarkCase) ?? 0;
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Decision path per call: {micros:F2} µs, {bytes} B allocated (load average {load}, {Environment.ProcessorCount} cores)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  target <= 5 µs per call:     {(micros <= 5 ? "MET" : "NOT MET")}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  target <= 1 KB per call:     {(bytes <= 1024 ? "MET" : "NOT MET")}"));
    }
}
