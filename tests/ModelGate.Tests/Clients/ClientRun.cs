using System.Text.Json.Nodes;

namespace ModelGate.Tests.Clients;

/// <summary>How a client program ended and what it printed.</summary>
public sealed record ClientRun(string Command, int ExitCode, bool TimedOut, string StandardOutput, string StandardError)
{
    /// <summary>Asserts a clean exit and returns the JSON the program printed last; a failure shows its stderr.</summary>
    public JsonNode AssertJson()
    {
        AssertSucceeded();
        var last = StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        Assert.True(last is not null, $"{Command} printed nothing.{Environment.NewLine}{this}");
        try
        {
            return JsonNode.Parse(last) ?? throw new InvalidOperationException("null");
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            Assert.Fail($"{Command} did not end with a JSON line ({e.Message}).{Environment.NewLine}{this}");
            throw;
        }
    }

    public void AssertSucceeded() =>
        Assert.True(ExitCode == 0 && !TimedOut, $"{Command} failed.{Environment.NewLine}{this}");

    public override string ToString() =>
        $"exit code {ExitCode}{(TimedOut ? " (killed: timed out)" : "")}{Environment.NewLine}" +
        $"--- stdout ---{Environment.NewLine}{StandardOutput.TrimEnd()}{Environment.NewLine}" +
        $"--- stderr ---{Environment.NewLine}{StandardError.TrimEnd()}";
}
