using System.Diagnostics;
using System.Runtime.InteropServices;
using ModelGate.DevHost.Azurite;
using ModelGate.DevHost.DemoModel;
using ModelGate.Identity;
using ModelGate.DevHost.Graph;
using ModelGate.DevHost.KeyVault;
using ModelGate.Hosting;

namespace ModelGate.DevHost;

/// <summary>
/// Runs ModelGate on this machine with everything it needs: Azurite (Table Storage), the Key Vault fake, the
/// Graph fake serving the directory file, and the app with the development token issuer. State lives in the data
/// folder and survives restarts.
/// Ctrl-C or SIGTERM stops every part; Azurite also exits by itself if this process dies.
/// </summary>
public static class LocalRun
{
    public static async Task<int> RunAsync(string[] args)
    {
        var (options, error) = LocalRunOptions.Parse(args, RepoPaths.Root);
        if (options is null)
        {
            Console.Error.WriteLine(error);
            return 2;
        }
        if (options.Reset && System.IO.Directory.Exists(options.DataDirectory))
        {
            System.IO.Directory.Delete(options.DataDirectory, recursive: true);
            Console.WriteLine($"Reset: removed {options.DataDirectory}");
        }
        System.IO.Directory.CreateDirectory(options.DataDirectory);

        // Ctrl-C and SIGTERM both end in the same orderly stop: the app, then the fakes, then Azurite.
        using var stopping = new CancellationTokenSource();
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stopping.Cancel();
        }

        Console.WriteLine("Starting Azurite (Table Storage)...");
        await using var azurite = await AzuriteProcess.StartAsync(new AzuriteOptions { Location = Path.Combine(options.DataDirectory, "azurite") }, stopping.Token);
        await using var keyVault = await KeyVaultFake.StartAsync(new KeyVaultFakeOptions { StatePath = Path.Combine(options.DataDirectory, "keyvault.json") }, stopping.Token);
        await using var demoModel = await DemoModelServer.StartAsync(cancellationToken: stopping.Token);
        var directoryFile = Path.Combine(options.DataDirectory, "directory.json");
        if (!File.Exists(directoryFile))
            File.Copy(Path.Combine(AppContext.BaseDirectory, "Graph", "directory.sample.json"), directoryFile);
        await using var graph = await GraphFake.StartAsync(new GraphFakeOptions
        {
            SeedPath = directoryFile,
            NotificationDelay = TimeSpan.FromSeconds(1),
            Log = Console.WriteLine,
        }, stopping.Token);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(ModelGateApp).Assembly.GetName().Name,
            EnvironmentName = "Development",
        });
        var settings = LocalSettings.For(azurite, keyVault, graph, $"http://127.0.0.1:{options.Port}");
        settings["Identity:DevelopmentIssuer:SigningKeyPath"] = Path.Combine(options.DataDirectory, "dev-issuer-key.pem");
        settings["Logging:LogLevel:ModelGate"] = "Information";
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls($"http://127.0.0.1:{options.Port}");
        builder.AddModelGate();
        await using var app = builder.Build();
        app.MapModelGate();
        await app.StartAsync(stopping.Token);

        var baseUrl = $"http://127.0.0.1:{options.Port}";
        await DemoCatalog.EnsureAsync(new Uri(baseUrl), app.Services.GetRequiredService<DevelopmentIssuer>(), demoModel.BaseUri, stopping.Token);
        // The timers start after the demo grants exist, so their first run already tracks the demo group.
        await using var timers = LocalTimers.Start(app.Services.GetServices<ITimerJob>(), TimeProvider.System, Console.WriteLine);
        var startedIn = DateTime.Now - Process.GetCurrentProcess().StartTime;
        Console.WriteLine(Banner(baseUrl, options.DataDirectory, directoryFile, graph.BaseUrl, startedIn));

        try
        {
            await Task.Delay(Timeout.Infinite, stopping.Token);
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine("Stopping ModelGate, the Graph and Key Vault fakes and Azurite...");
        }
        // Stop in order, explicitly: the app (it flushes usage and returns quota leases to Table Storage), the
        // timers, then the fakes, and Azurite last, since the app's final writes go there.
        await app.StopAsync(CancellationToken.None);
        await timers.DisposeAsync();
        await app.DisposeAsync();
        await graph.DisposeAsync();
        await demoModel.DisposeAsync();
        await keyVault.DisposeAsync();
        await azurite.DisposeAsync();
        return 0;
    }

    private static string Banner(string baseUrl, string data, string directoryFile, string graphUrl, TimeSpan startedIn) => $$"""

        ModelGate is running at {{baseUrl}} (ready {{startedIn.TotalSeconds:F1}} s after start; data in {{data}})
          Health:    curl -s {{baseUrl}}/api/health
          OpenAPI:   {{baseUrl}}/api/openapi.json
          Directory: edit {{directoryFile}} (users, groups, members); each save reaches the Graph fake within a second
          Graph:     {{graphUrl}} (the fake; any bearer token), e.g. curl -s -H 'Authorization: Bearer x' {{graphUrl}}/users/erin/transitiveMemberOf
          Demo:      deployments {{DemoCatalog.ChatDeployment}} (chat) and {{DemoCatalog.PredictDeployment}} (predict), granted to the group "{{DemoCatalog.ExternalGroup}}"
          Timers:    RenewGraphSubscription and RefreshExternalGroups run now and then on their schedules; Graph notifies
                     {{baseUrl}}/api/graph/notifications about group changes a second after each save of the directory file

        As an admin: mint a development token, create a model group, list the groups:
          TOKEN=$(curl -s -X POST {{baseUrl}}/dev/token -H 'Content-Type: application/json' -H 'Accept: text/plain' \
            -d '{"oid":"ada","name":"Ada Admin","roles":["ModelGate.Admin"]}')
          curl -s -X POST {{baseUrl}}/api/model-groups -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
            -d '{"name":"fraud-models","description":"Card fraud scoring","access_mode":"public"}'
          curl -s {{baseUrl}}/api/model-groups -H "Authorization: Bearer $TOKEN"

        As an external user in "{{DemoCatalog.ExternalGroup}}": sign in, see your deployment cards, create a key, call the model:
          USER_TOKEN=$(curl -s -X POST {{baseUrl}}/dev/token -H 'Content-Type: application/json' -H 'Accept: text/plain' \
            -d '{"oid":"erin","name":"Erin External","groups":["{{DemoCatalog.ExternalGroup}}"]}')
          curl -s -X POST {{baseUrl}}/api/me/login -H "Authorization: Bearer $USER_TOKEN"
          curl -s {{baseUrl}}/api/me/deployments -H "Authorization: Bearer $USER_TOKEN"
          export MODELGATE_API_KEY=$(curl -s -X POST {{baseUrl}}/api/me/api-keys -H "Authorization: Bearer $USER_TOKEN" \
            -H 'Content-Type: application/json' -d '{"name":"laptop"}' | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
          curl -sS {{baseUrl}}/deployments/{{DemoCatalog.ChatDeployment}}/v1/chat/completions -H "Authorization: ApiKey $MODELGATE_API_KEY" \
            -H 'Content-Type: application/json' -d '{"model":"{{DemoCatalog.ChatDeployment}}","messages":[{"role":"user","content":"Hello!"}]}'

        Revocation without signing in again: remove "erin" from the members of "{{DemoCatalog.ExternalGroup}}" in
        {{directoryFile}} and save; within a few seconds the same call answers 403 deployment_forbidden.
        Put her back and it answers 200 again.

        Ctrl-C stops everything. Start again with --reset to begin empty.
        """;
}
