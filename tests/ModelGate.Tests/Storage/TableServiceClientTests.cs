using System.Net;
using System.Net.Sockets;
using Azure;
using Azure.Core;
using ModelGate.Storage;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Storage;

public sealed class TableServiceClientTests
{
    private static readonly TableSharedKeyCredential AzuriteKey =
        new("devstoreaccount1", "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==");

    [Fact]
    public void Constructor_TokenCredentialOverHttp_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(
            () => new TableServiceClient(new Uri("http://account.table.core.windows.net"), new StaticTokenCredential()));

        Assert.Equal("serviceUri", error.ParamName);
    }

    [Fact]
    public void Constructor_TokenCredentialOverHttps_IsAccepted()
    {
        var client = new TableServiceClient(new Uri("https://account.table.core.windows.net"), new StaticTokenCredential());

        Assert.Equal("models", client.GetTableClient("models").Name);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("1models")]
    [InlineData("model-groups")]
    [InlineData("model_groups")]
    [InlineData("tables\u00e9")]
    [InlineData("")]
    public void GetTableClient_InvalidName_Throws(string name)
    {
        var client = new TableServiceClient(new Uri("http://127.0.0.1:10002/devstoreaccount1"), AzuriteKey);

        Assert.Throws<ArgumentException>(() => client.GetTableClient(name));
    }

    [Fact]
    public void GetTableClient_SixtyFourCharacters_Throws()
    {
        var client = new TableServiceClient(new Uri("http://127.0.0.1:10002/devstoreaccount1"), AzuriteKey);

        Assert.Throws<ArgumentException>(() => client.GetTableClient("t" + new string('a', 63)));
        Assert.Equal(63, client.GetTableClient("t" + new string('a', 62)).Name.Length);
    }

    [Fact]
    public async Task Operations_UnreachableEndpoint_ThrowRequestFailedException()
    {
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 0;
        var client = new TableServiceClient(new Uri($"http://127.0.0.1:{ModelGate.DevHost.LoopbackPorts.PickFree()}/devstoreaccount1"), AzuriteKey, options);
        TableClient table = client.GetTableClient("unreachable");

        await Assert.ThrowsAsync<RequestFailedException>(() => table.CreateIfNotExistsAsync());
        await Assert.ThrowsAsync<RequestFailedException>(() => table.GetEntityIfExistsAsync("p", "r"));
        await Assert.ThrowsAsync<RequestFailedException>(async () =>
        {
            await foreach (TableEntity entity in table.QueryAsync())
            {
                Assert.Fail($"No entity can come from an unreachable endpoint, got {entity.RowKey}.");
            }
        });
    }

    [Fact]
    public async Task Operations_WrongAccountKey_Throw403()
    {
        Uri serviceUri = (await SharedAzurite.GetAsync()).TableServiceUri;
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 0;
        var client = new TableServiceClient(
            serviceUri,
            new TableSharedKeyCredential("devstoreaccount1", Convert.ToBase64String(new byte[64])),
            options);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.GetTableClient("forbidden").CreateIfNotExistsAsync());

        Assert.Equal(403, error.Status);
    }


    private sealed class StaticTokenCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new("token", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
