using System.Globalization;

namespace ModelGate.Bench;

/// <summary>The options the server subcommands share.</summary>
internal sealed record BenchArgs(int Port, Uri? Upstream, string? StatsPath)
{
    public static BenchArgs Parse(string[] args)
    {
        var port = 0;
        Uri? upstream = null;
        string? stats = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--port":
                    port = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--upstream":
                    upstream = new Uri(value, UriKind.Absolute);
                    break;
                case "--stats":
                    stats = value;
                    break;
                default:
                    throw new ArgumentException($"Unknown option {args[i]}.");
            }
            i++;
        }
        return new BenchArgs(port, upstream, stats);
    }

    public Uri RequireUpstream() => Upstream ?? throw new ArgumentException("--upstream URL is required.");
}
