using ModelGate.DevHost.Azurite;

namespace ModelGate.Tests.Deployment;

/// <summary>Paths of the deployment files inside the repository the tests were built from.</summary>
public static class Repo
{
    public static string Root => RepoPaths.Root;
    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string FunctionsProject => File("src", "ModelGate.Functions");
    public static string FunctionsFolder => File("src", "ModelGate.Functions", "Functions");
    public static string HostJson => File("host.json");
    public static string AzureYaml => File("azure.yaml");
    public static string Infra => File("infra-bicep");
    public static string Readme => File("README.md");

    public static BicepFile Bicep(string relativePath) => BicepFile.Load(Path.Combine(Infra, relativePath));
}
