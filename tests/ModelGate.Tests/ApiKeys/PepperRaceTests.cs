using System.Net;
using ModelGate.ApiKeys;
using ModelGate.DevHost.KeyVault;
using ModelGate.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ModelGate.Tests.ApiKeys.ApiKeyTestData;

namespace ModelGate.Tests.ApiKeys;

public sealed class PepperRaceTests
{
    [Fact]
    public async Task TwoInstancesCreatingThePepperAtOnce_BothKeepWorking_AndEachVerifiesTheOthersKeys()
    {
        await using var vault = await KeyVaultFake.StartAsync(new KeyVaultFakeOptions());
        var azurite = await SharedAzurite.GetAsync();
        var prefix = ModelGateFactory.NewTablePrefix();
        await using var first = new ModelGateFactory(azurite, vault) { TablePrefix = prefix };
        await using var second = new ModelGateFactory(azurite, vault) { TablePrefix = prefix };
        var alice = await SignedInClientAsync(first, NewExternalUser());
        var bob = await SignedInClientAsync(second, NewExternalUser());
        // Both instances have met the vault (and its 401 challenge) before the race, so they start it level.
        await (await alice.GetAsync("/api/health")).AssertStatusAsync(HttpStatusCode.OK);
        await (await bob.GetAsync("/api/health")).AssertStatusAsync(HttpStatusCode.OK);

        // Slow answers: both read "no pepper" before either writes one.
        vault.Faults.Latency = TimeSpan.FromMilliseconds(300);
        var created = await Task.WhenAll(CreateKeyAsync(alice), CreateKeyAsync(bob));
        vault.Faults.Reset();

        var versions = new List<string>();
        var client = first.Services.GetRequiredService<Azure.Security.KeyVault.Secrets.SecretClient>();
        await foreach (var properties in client.GetPropertiesOfSecretVersionsAsync(ApiKeySecrets.PepperName)) versions.Add(properties.Version);
        Assert.Equal(2, versions.Count);

        foreach (var app in new[] { first, second })
        {
            var verifier = app.Services.GetRequiredService<ApiKeyVerifier>();
            foreach (var key in created)
                Assert.True((await verifier.VerifyAsync((string)key["key"]!)).IsValid);
        }
    }
}
