using System.Text.Json.Nodes;
using ModelGate.Hosting;

namespace ModelGate.Tests.Deployment;

/// <summary>One function folder: its name and its parsed function.json.</summary>
public sealed record FunctionDefinition(string Name, string FilePath, JsonObject Json)
{
    public IReadOnlyList<JsonObject> Bindings =>
        (Json["bindings"] as JsonArray ?? throw new InvalidOperationException($"{FilePath} has no bindings array."))
        .Select(b => b as JsonObject ?? throw new InvalidOperationException($"{FilePath}: a binding is not an object.")).ToList();

    public JsonObject? Trigger(string type) =>
        Bindings.SingleOrDefault(b => string.Equals((string?)b["type"], type, StringComparison.OrdinalIgnoreCase));
}

/// <summary>Reads function folders and compares them with the app's timer jobs.</summary>
public static class FunctionLayout
{
    /// <summary>Every <c>&lt;Name&gt;/function.json</c> directly under <paramref name="root"/>.</summary>
    public static IReadOnlyList<FunctionDefinition> Read(string root) => System.IO.Directory.GetDirectories(root)
        .Select(dir => Path.Combine(dir, "function.json"))
        .Where(File.Exists)
        .Select(file => new FunctionDefinition(Path.GetFileName(Path.GetDirectoryName(file)!), file,
            JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? throw new InvalidOperationException($"{file} is not a JSON object.")))
        .OrderBy(f => f.Name, StringComparer.Ordinal)
        .ToList();

    /// <summary>
    /// What keeps the timer functions and the timer jobs from matching one to one: a job without a timer
    /// function.json of its exact name, a schedule that differs, or a timer function no job answers.
    /// Empty when they match.
    /// </summary>
    public static IReadOnlyList<string> Mismatches(IEnumerable<ITimerJob> jobs, IEnumerable<FunctionDefinition> functions)
    {
        var problems = new List<string>();
        var functionList = functions.ToList();
        var jobList = jobs.ToList();
        foreach (var job in jobList)
        {
            var function = functionList.SingleOrDefault(f => f.Name == job.Name);
            if (function is null)
            {
                problems.Add($"Timer job '{job.Name}' has no function folder {job.Name}/function.json.");
                continue;
            }
            var timer = function.Trigger("timerTrigger");
            if (timer is null)
            {
                problems.Add($"{function.FilePath} has no timerTrigger binding, but '{job.Name}' is a timer job.");
                continue;
            }
            var schedule = (string?)timer["schedule"];
            if (!CronSchedule.TryParse(schedule, out var parsed, out _) || parsed.Expression != CronSchedule.Parse(job.Schedule).Expression)
                problems.Add($"{function.FilePath} schedules '{schedule}', but job '{job.Name}' says '{job.Schedule}'.");
        }
        foreach (var function in functionList.Where(f => f.Trigger("timerTrigger") is not null))
        {
            if (!jobList.Any(j => j.Name == function.Name))
                problems.Add($"{function.FilePath} is a timer function, but no registered timer job is named '{function.Name}'.");
        }
        return problems;
    }
}
