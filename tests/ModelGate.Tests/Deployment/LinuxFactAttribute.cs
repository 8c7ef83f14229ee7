namespace ModelGate.Tests.Deployment;

/// <summary>
/// A fact that needs Linux: the package is linux-x64 and is started through /bin/sh, as the Functions host
/// starts it. Elsewhere the test is reported as skipped, not failed.
/// </summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "Runs the linux-x64 package through /bin/sh; Linux only.";
    }
}
