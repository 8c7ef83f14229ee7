namespace ModelGate.DevHost;

/// <summary>Command line of the local run: --port N (default 7071), --data DIR (default .modelgate), --reset.</summary>
public sealed record LocalRunOptions(int Port, string DataDirectory, bool Reset)
{
    public const string Usage = "usage: dotnet run --project src/ModelGate.DevHost [-- --port N] [--data DIR] [--reset]";

    /// <summary>Parses the arguments, or returns the reason they are wrong.</summary>
    public static (LocalRunOptions? Options, string? Error) Parse(string[] args, string repoRoot)
    {
        var port = 7071;
        var data = Path.Combine(repoRoot, ".modelgate");
        var reset = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], out var p) && p is > 0 and < 65536:
                    port = p;
                    i++;
                    break;
                case "--data" when i + 1 < args.Length:
                    data = Path.GetFullPath(args[++i]);
                    break;
                case "--reset":
                    reset = true;
                    break;
                default:
                    return (null, $"unknown or incomplete argument '{args[i]}'\n{Usage}");
            }
        }
        return (new LocalRunOptions(port, data, reset), null);
    }
}
