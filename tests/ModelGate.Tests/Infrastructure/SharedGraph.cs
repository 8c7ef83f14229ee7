using ModelGate.DevHost.Graph;

namespace ModelGate.Tests.Infrastructure;

/// <summary>
/// One Graph fake for the test assembly, behind every app the tests start; tests that change its directory in ways
/// others could see, or inject faults, start their own and pass it to <see cref="ModelGateFactory.StartAsync"/>.
/// </summary>
public static class SharedGraph
{
    private static readonly Lazy<Task<GraphFake>> Instance = new(() => StartAsync());

    public static Task<GraphFake> GetAsync() => Instance.Value;

    private static async Task<GraphFake> StartAsync()
    {
        var fake = await GraphFake.StartAsync(new GraphFakeOptions());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => fake.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return fake;
    }
}
