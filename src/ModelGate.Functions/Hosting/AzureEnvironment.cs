namespace ModelGate.Hosting;

/// <summary>Tells whether the app runs in Azure App Service / Functions, where development shortcuts are refused.</summary>
public static class AzureEnvironment
{
    public static bool IsAzure(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration["WEBSITE_SITE_NAME"]) || !string.IsNullOrEmpty(configuration["WEBSITE_INSTANCE_ID"]);
}
