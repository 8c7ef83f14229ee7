namespace ModelGate.DevHost;

// A named entry point: a top-level Program would clash with the function app's Program in the tests.
internal static class Program
{
    private static Task<int> Main(string[] args) => LocalRun.RunAsync(args);
}
