using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ModelGate.Storage;

namespace ModelGate.Tests.Deployment;

/// <summary>
/// infra-bicep/, read as text: what `azd up` would create. Nothing here can be deployed or compiled on these
/// machines, so these tests pin down the choices a deployment depends on.
/// </summary>
public sealed partial class BicepTemplateTests
{
    private static readonly BicepFile Main = Repo.Bicep("main.bicep");
    private static readonly BicepFile FunctionApp = Repo.Bicep("modules/function-app.bicep");

    /// <summary>Built-in roles the identity holds, by definition id (Microsoft's list of Azure built-in roles).</summary>
    private static readonly Dictionary<string, string> Roles = new()
    {
        ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = "Storage Blob Data Owner",
        ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = "Storage Table Data Contributor",
        ["b86a8fe4-44ce-4948-aee5-eccb2c155cd7"] = "Key Vault Secrets Officer",
        ["3913510d-42f4-4e42-8a64-420c390055eb"] = "Monitoring Metrics Publisher",
    };

    private static IEnumerable<BicepFile> AllFiles() =>
        System.IO.Directory.GetFiles(Repo.Infra, "*.bicep", SearchOption.AllDirectories).Order().Select(BicepFile.Load);

    [Fact]
    public void Main_IsSubscriptionScopedAndCreatesTheResourceGroupEveryModuleDeploysInto()
    {
        Assert.Equal("subscription", Main.TargetScope);
        var rg = Main.Resource("Microsoft.Resources/resourceGroups");
        Assert.NotEmpty(Main.Modules);
        Assert.All(Main.Modules, m => Assert.Equal(rg.Symbol, m.Body.Get("scope")));
    }

    [Fact]
    public void EveryModule_Exists_AndEveryModuleFileIsDeployed()
    {
        var referenced = Main.Modules.Select(m => Path.GetFullPath(Path.Combine(Repo.Infra, m.Path))).ToList();
        Assert.All(referenced, path => Assert.True(File.Exists(path), $"{path} is referenced by main.bicep but missing."));
        var modules = System.IO.Directory.GetFiles(Path.Combine(Repo.Infra, "modules"), "*.bicep").Select(Path.GetFullPath);
        Assert.Equal(modules.Order(), referenced.Order());
        // Every argument a module receives is a param it declares, and every param without a default is given.
        foreach (var module in Main.Modules)
        {
            var file = BicepFile.Load(Path.Combine(Repo.Infra, module.Path));
            var given = ObjectKeys(module.Body.Object("params"));
            Assert.All(given, name => file.Parameter(name));
            Assert.All(file.Parameters.Where(p => !p.HasDefault), p => Assert.Contains(p.Name, given));
        }
    }

    [Fact]
    public void FunctionApp_RunsOnFlexConsumptionWithTheCustomRuntime_FromABlobItsIdentityReads()
    {
        var plan = FunctionApp.Resource("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", plan.Body.Object("sku").String("name"));
        Assert.Equal("FlexConsumption", plan.Body.Object("sku").String("tier"));
        Assert.Equal("true", plan.Body.Object("properties").Get("reserved"));

        var site = FunctionApp.Resource("Microsoft.Web/sites");
        Assert.Equal("functionapp,linux", site.Body.String("kind"));
        Assert.Equal("UserAssigned", site.Body.Object("identity").String("type"));
        var properties = site.Body.Object("properties");
        Assert.Equal($"{plan.Symbol}.id", properties.Get("serverFarmId"));
        Assert.Equal("true", properties.Get("httpsOnly"));

        var config = properties.Object("functionAppConfig");
        var runtime = config.Object("runtime");
        Assert.Equal("custom", runtime.String("name"));
        Assert.Equal("1.0", runtime.String("version"));

        var storage = config.Object("deployment").Object("storage");
        Assert.Equal("blobContainer", storage.String("type"));
        Assert.Contains("primaryEndpoints.blob", storage.Require("value"));
        var authentication = storage.Object("authentication");
        Assert.Equal("UserAssignedIdentity", authentication.String("type"));
        Assert.Equal("identityId", authentication.Get("userAssignedIdentityResourceId"));

        var scale = config.Object("scaleAndConcurrency");
        Assert.Equal("instanceMemoryMB", scale.Get("instanceMemoryMB"));
        Assert.Equal("maximumInstanceCount", scale.Get("maximumInstanceCount"));
        Assert.Contains("@allowed", Main.Parameter("instanceMemoryMB").Decorators);
        Assert.Contains("@minValue(40)", Main.Parameter("maximumInstanceCount").Decorators);
    }

    [Fact]
    public void FunctionApp_CarriesTheServiceTagAzdDeploysTo()
    {
        var service = Assert.Single((Dictionary<string, object>)SimpleYaml.Parse(File.ReadAllText(Repo.AzureYaml))["services"]).Key;
        var tags = FunctionApp.Resource("Microsoft.Web/sites").Body.Require("tags");
        Assert.Contains($"'azd-service-name': '{service}'", tags);
    }

    [Fact]
    public void AppSettings_SetEverySettingTheAppRequiresAtStart()
    {
        var settings = AppSettings();
        var required = AzureSettings.Required();
        Assert.Contains("Storage__TableServiceUri", required);
        Assert.Contains("Azure__ManagedIdentityClientId", required);
        Assert.All(required, name => Assert.True(settings.ContainsKey(name), $"{name} is required at start but the Bicep does not set it."));
    }

    [Fact]
    public void AppSettings_ForTheApp_BindToRealOptions()
    {
        var sections = AzureSettings.Sections();
        var appSettings = AppSettings().Keys.Where(name => sections.ContainsKey(name.Split("__")[0])).ToList();
        Assert.NotEmpty(appSettings);
        Assert.All(appSettings, name => Assert.True(AzureSettings.Binds(name, sections), $"{name} binds to no options property."));
    }

    [Fact]
    public void AppSettings_ReachHostStorageAndTelemetryWithTheIdentity_AndLeaveTheWorkerRuntimeToFlex()
    {
        var settings = AppSettings();
        Assert.Equal("'managedidentity'", settings["AzureWebJobsStorage__credential"]);
        Assert.Equal("identityClientId", settings["AzureWebJobsStorage__clientId"]);
        Assert.Contains("storage", settings["AzureWebJobsStorage__accountName"]);
        Assert.Equal("identityClientId", settings["Azure__ManagedIdentityClientId"]);
        Assert.Equal("'ClientId=${identityClientId};Authorization=AAD'", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        Assert.Contains("APPLICATIONINSIGHTS_CONNECTION_STRING", settings.Keys);
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys);
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", settings.Keys);
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", settings.Keys);
        Assert.DoesNotContain(settings.Keys, name => name.StartsWith("Identity__DevelopmentIssuer", StringComparison.OrdinalIgnoreCase)
            || name.Equals("Azure__UseDevelopmentCredential", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("Storage__Account", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Storage_TakesEntraIdOnly_OverTls12AndHttps()
    {
        var properties = Repo.Bicep("modules/storage.bicep").Resource("Microsoft.Storage/storageAccounts").Body.Object("properties");
        Assert.Equal("false", properties.Get("allowSharedKeyAccess"));
        Assert.Equal("false", properties.Get("allowBlobPublicAccess"));
        Assert.Equal("TLS1_2", properties.String("minimumTlsVersion"));
        Assert.Equal("true", properties.Get("supportsHttpsTrafficOnly"));
    }

    [Fact]
    public void Storage_CreatesExactlyTheAppsTables_AndTheDeploymentContainer()
    {
        var storage = Repo.Bicep("modules/storage.bicep");
        var tables = storage.Resource("Microsoft.Storage/storageAccounts/tableServices/tables");
        var loop = LoopPattern().Match(tables.Loop ?? "");
        Assert.True(loop.Success, "The tables are declared by a loop over a variable.");
        Assert.Equal(loop.Groups[1].Value, tables.Body.Get("name"));
        Assert.Equal(Tables.Names.Order(), BicepText.Literals(storage.Variables[loop.Groups[2].Value]).Order());

        var container = storage.Resource("Microsoft.Storage/storageAccounts/blobServices/containers");
        Assert.Equal("deploymentContainerName", container.Body.Get("name"));
        Assert.Equal("None", container.Body.Object("properties").String("publicAccess"));
        Assert.Equal("deploymentContainerName", Main.Modules.Single(m => m.Symbol == "storage").Body.Object("params").Get("deploymentContainerName"));
        Assert.Equal("deploymentContainerName", Main.Modules.Single(m => m.Symbol == "functionApp").Body.Object("params").Get("deploymentContainerName"));
    }

    [Fact]
    public void KeyVault_UsesRbacSoftDeleteAndPurgeProtection()
    {
        var properties = Repo.Bicep("modules/key-vault.bicep").Resource("Microsoft.KeyVault/vaults").Body.Object("properties");
        Assert.Equal("true", properties.Get("enableRbacAuthorization"));
        Assert.Equal("true", properties.Get("enableSoftDelete"));
        Assert.Equal("true", properties.Get("enablePurgeProtection"));
        Assert.Null(properties.Get("accessPolicies"));
    }

    [Fact]
    public void Monitoring_IsApplicationInsightsOnLogAnalytics_WithLocalAuthOff()
    {
        var monitoring = Repo.Bicep("modules/monitoring.bicep");
        var workspace = monitoring.Resource("Microsoft.OperationalInsights/workspaces");
        var properties = monitoring.Resource("Microsoft.Insights/components").Body.Object("properties");
        Assert.Equal($"{workspace.Symbol}.id", properties.Get("WorkspaceResourceId"));
        Assert.Equal("true", properties.Get("DisableLocalAuth"));
    }

    [Fact]
    public void RoleAssignments_GiveTheIdentityExactlyItsRoles_EachNamedInAComment()
    {
        var file = Repo.Bicep("modules/role-assignments.bicep");
        var assignments = file.ResourcesOfType("Microsoft.Authorization/roleAssignments").ToList();
        var assigned = new List<string>();
        foreach (var assignment in assignments)
        {
            var properties = assignment.Body.Object("properties");
            Assert.Equal("principalId", properties.Get("principalId"));
            Assert.Equal("ServicePrincipal", properties.String("principalType"));
            var definition = properties.Require("roleDefinitionId");
            var variable = Regex.Match(definition, @"roleDefinitions',\s*(\w+)\)").Groups[1].Value;
            var roleId = BicepText.Literal(file.Variables[variable]) ?? "";
            Assert.True(Roles.TryGetValue(roleId, out var role), $"{assignment.Symbol} assigns role {roleId}, which is not one the identity needs.");
            Assert.StartsWith(role + ":", assignment.Comment);
            Assert.Contains(variable, assignment.Body.Require("name"));
            assigned.Add(role);
        }
        Assert.Equal(Roles.Values.Order(), assigned.Order());
        Assert.Equal("identity.outputs.principalId", Main.Modules.Single(m => m.Path == "modules/role-assignments.bicep").Body.Object("params").Get("principalId"));
    }

    [Fact]
    public void NoTemplate_ReadsKeysOrPutsASecretInAnOutput()
    {
        string[] secretReaders = ["listKeys(", "listSecrets(", "listCredentials(", "listAccountSas(", "listServiceSas(", "listConnectionStrings("];
        string[] secretProperties = ["ConnectionString", "InstrumentationKey", "primaryKey", "secondaryKey", "primaryMasterKey"];
        foreach (var file in AllFiles())
        {
            Assert.All(secretReaders, reader => Assert.DoesNotContain(reader, file.Code, StringComparison.OrdinalIgnoreCase));
            var secureParams = file.Parameters.Where(p => p.IsSecure).Select(p => p.Name).ToList();
            foreach (var output in file.Outputs)
            {
                Assert.DoesNotMatch(SecretName(), output.Name);
                Assert.All(secretProperties, p => Assert.DoesNotContain(p, output.Expression, StringComparison.OrdinalIgnoreCase));
                Assert.All(secureParams, p => Assert.DoesNotMatch($@"\b{p}\b", output.Expression));
                Assert.DoesNotContain("@secure()", output.Decorators);
            }
        }
    }

    [Fact]
    public void GraphPermissions_AreGrantedThroughTheGraphExtension_OnlyWhenTheParameterSaysSo()
    {
        var module = Assert.Single(Main.Modules, m => m.Path == "modules/graph-permissions.bicep");
        Assert.Equal("grantGraphPermissions", module.Condition);
        Assert.Equal("false", Main.Parameter("grantGraphPermissions").Default);
        Assert.Equal("identity.outputs.principalId", module.Body.Object("params").Get("principalId"));

        var graph = Repo.Bicep("modules/graph-permissions.bicep");
        var extension = Assert.Single(graph.Extensions);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Infra, "bicepconfig.json")))!;
        Assert.StartsWith("br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:", (string?)config["extensions"]![extension]);

        var servicePrincipal = Assert.Single(graph.ResourcesOfType("Microsoft.Graph/servicePrincipals"));
        Assert.True(servicePrincipal.Existing);
        Assert.Equal("00000003-0000-0000-c000-000000000000", servicePrincipal.Body.String("appId"));
        var grant = Assert.Single(graph.ResourcesOfType("Microsoft.Graph/appRoleAssignedTo"));
        Assert.Equal("principalId", grant.Body.Get("principalId"));
        Assert.Equal($"{servicePrincipal.Symbol}.id", grant.Body.Get("resourceId"));

        // Every permission asked for by default has a known app role id.
        var known = ObjectKeys(new BicepObject(graph.Variables["appRoleIds"].Trim()[1..^1]));
        Assert.All(BicepText.Literals(Main.Parameter("graphPermissions").Default!), p => Assert.Contains(p, known));
    }

    [Fact]
    public void AppRolesFile_DefinesExactlyTheRolesTheAppChecks()
    {
        var roles = JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Infra, "app-roles.json")))!.AsArray();
        Assert.Equal(ModelGate.Identity.Roles.All.Order(), roles.Select(r => (string?)r!["value"]).Order());
        Assert.All(roles, r =>
        {
            Assert.Contains("User", r!["allowedMemberTypes"]!.AsArray().Select(t => (string?)t));
            Assert.True((bool?)r["isEnabled"]);
            Assert.False(string.IsNullOrWhiteSpace((string?)r["displayName"]));
        });
    }

    [Fact]
    public void ParametersFile_UsesAzdVariables_AndCoversEveryParameterWithoutADefault()
    {
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Infra, "main.parameters.json")))!;
        var parameters = file["parameters"]!.AsObject();
        Assert.All(parameters, p => Main.Parameter(p.Key));
        Assert.All(Main.Parameters.Where(p => !p.HasDefault), p => Assert.True(parameters.ContainsKey(p.Name), $"main.parameters.json does not set {p.Name}."));
        Assert.All(parameters, p => Assert.Matches(@"^\$\{[A-Z][A-Z0-9_]*(=[^}]*)?\}$", (string?)p.Value!["value"]));
        Assert.Equal("${AZURE_ENV_NAME}", (string?)parameters["environmentName"]!["value"]);
        Assert.Equal("${AZURE_LOCATION}", (string?)parameters["location"]!["value"]);
    }

    [Fact]
    public void Readme_DeploySection_NamesEveryResourceOutputRoleAndSetting()
    {
        var readme = File.ReadAllText(Repo.Readme);
        var start = readme.IndexOf("## Deploy to Azure", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no 'Deploy to Azure' section.");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];

        Assert.All(Main.Outputs, o => Assert.Contains(o.Name, section));
        Assert.All(Roles.Values, role => Assert.Contains(role, section));
        Assert.All(AppSettings().Keys, name => Assert.Contains(name, readme));
        foreach (var name in ResourceNames())
            Assert.True(section.Contains(name, StringComparison.Ordinal), $"The deploy section does not name {name}.");
    }

    /// <summary>Resource names main.bicep gives, written as the README writes them (&lt;env&gt;, &lt;token&gt;).</summary>
    private static IEnumerable<string> ResourceNames()
    {
        var expressions = new List<string> { Main.Resource("Microsoft.Resources/resourceGroups").Body.Require("name") };
        foreach (var module in Main.Modules)
        {
            var parameters = module.Body.Object("params");
            expressions.AddRange(new[] { "name", "planName", "logAnalyticsName", "applicationInsightsName" }
                .Select(parameters.Get).OfType<string>());
        }
        return expressions.Where(e => e.StartsWith('\''))
            .Select(e => e.Trim('\'').Replace("${resourceToken}", "<token>").Replace("${environmentName}", "<env>"));
    }

    /// <summary>The function app's settings: name → value expression, from the variables siteConfig.appSettings concatenates.</summary>
    private static Dictionary<string, string> AppSettings()
    {
        var expression = FunctionApp.Resource("Microsoft.Web/sites").Body.Object("properties").Object("siteConfig").Require("appSettings");
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match identifier in Regex.Matches(expression, @"\b([A-Za-z_]\w*)\b"))
        {
            if (!FunctionApp.Variables.TryGetValue(identifier.Value, out var value)) continue;
            for (var open = value.IndexOf('{'); open >= 0; open = value.IndexOf('{', open + 1))
            {
                var close = BicepText.MatchingClose(value, open);
                var setting = new BicepObject(value[(open + 1)..close]);
                var name = setting.String("name") ?? throw new InvalidOperationException($"An app setting in {identifier.Value} has no literal name.");
                Assert.True(settings.TryAdd(name, setting.Require("value")), $"App setting {name} is set twice.");
                open = close;
            }
        }
        Assert.NotEmpty(settings);
        return settings;
    }

    private static List<string> ObjectKeys(BicepObject body) =>
        Regex.Matches(body.Body, @"^\s*'?([\w.]+)'?\s*:", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex(@"^for\s+(\w+)\s+in\s+(\w+)$")]
    private static partial Regex LoopPattern();

    [GeneratedRegex("(?i)(CONNECTION_?STRING|PASSWORD|SECRET|ACCESS_?KEY|ACCOUNT_?KEY|INSTRUMENTATION_?KEY|SAS_?TOKEN)")]
    private static partial Regex SecretName();
}
