namespace ModelGate.DevHost.Azurite;

/// <summary>Finds the repository the local run and the tests were built from.</summary>
public static class RepoPaths
{
    private const string Marker = "Functions.sln";

    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>
    /// The folder holding Functions.sln, found by walking up from the build output and then from the current
    /// directory.
    /// </summary>
    public static string Root => LazyRoot.Value;

    private static string FindRoot()
    {
        string[] starts = [AppContext.BaseDirectory, System.IO.Directory.GetCurrentDirectory()];
        foreach (string start in starts)
        {
            for (DirectoryInfo? folder = new(start); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, Marker)))
                {
                    return folder.FullName;
                }
            }
        }

        throw new InvalidOperationException(
            $"No folder holding {Marker} was found above {AppContext.BaseDirectory} or {System.IO.Directory.GetCurrentDirectory()}. " +
            "Run from inside the ModelGate repository.");
    }
}
