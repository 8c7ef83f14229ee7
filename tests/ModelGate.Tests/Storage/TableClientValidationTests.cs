using Azure;
using Azure.Core.Pipeline;
using ModelGate.Storage;

namespace ModelGate.Tests.Storage;

/// <summary>Arguments the service would refuse are refused before anything is sent.</summary>
public sealed class TableClientValidationTests
{
    private readonly RecordingHandler _handler = new();
    private readonly TableClient _table;

    public TableClientValidationTests()
    {
        var options = new TableClientOptions { Transport = new HttpClientTransport(new HttpClient(_handler)) };
        options.Retry.MaxRetries = 0;
        var service = new TableServiceClient(
            new Uri("http://127.0.0.1:9/devstoreaccount1"),
            new TableSharedKeyCredential("devstoreaccount1", Convert.ToBase64String(new byte[64])),
            options);
        _table = service.GetTableClient("validation");
    }

    public static TheoryData<string> BadKeys => new()
    {
        "a/b",
        "a\\b",
        "a#b",
        "a?b",
        "tab\there",
        "new\nline",
        "nul\0",
        "del\u007f",
        new string('k', 513),
    };

    [Theory]
    [MemberData(nameof(BadKeys))]
    public async Task EveryOperation_KeyWithForbiddenCharacterOrTooLong_ThrowsArgumentExceptionWithoutIo(string key)
    {
        var entity = new TableEntity(key, "r");
        var entityWithBadRowKey = new TableEntity("p", key);

        await Assert.ThrowsAsync<ArgumentException>(() => _table.GetEntityIfExistsAsync(key, "r"));
        await Assert.ThrowsAsync<ArgumentException>(() => _table.GetEntityIfExistsAsync("p", key));
        await Assert.ThrowsAsync<ArgumentException>(() => _table.AddEntityAsync(entity));
        await Assert.ThrowsAsync<ArgumentException>(() => _table.AddEntityAsync(entityWithBadRowKey));
        await Assert.ThrowsAsync<ArgumentException>(() => _table.UpsertEntityAsync(entity));
        await Assert.ThrowsAsync<ArgumentException>(() => _table.UpdateEntityAsync(entity, ETag.All));
        await Assert.ThrowsAsync<ArgumentException>(() => _table.DeleteEntityAsync(key, "r"));
        await Assert.ThrowsAsync<ArgumentException>(() => _table.DeleteEntityAsync("p", key));
        await Assert.ThrowsAsync<ArgumentException>(
            () => _table.SubmitTransactionAsync([new(TableTransactionActionType.Add, entityWithBadRowKey)]));
        Assert.Equal(0, _handler.Requests);
    }

    [Fact]
    public async Task Keys_AtTheOneKibibyteLimit_AreSent()
    {
        string key = new('k', 512);

        await Assert.ThrowsAsync<RequestFailedException>(() => _table.GetEntityIfExistsAsync(key, key));

        Assert.Equal(1, _handler.Requests);
    }

    [Fact]
    public async Task AddEntity_MissingRowKey_ThrowsArgumentExceptionWithoutIo()
    {
        var entity = new TableEntity { PartitionKey = "p" };

        await Assert.ThrowsAsync<ArgumentException>(() => _table.AddEntityAsync(entity));

        Assert.Equal(0, _handler.Requests);
    }

    [Fact]
    public async Task AddEntity_PropertyOfUnsupportedType_ThrowsArgumentExceptionWithoutIo()
    {
        var entity = new TableEntity("p", "r") { ["Price"] = 1.5m };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => _table.AddEntityAsync(entity));

        Assert.Contains("Price", error.Message);
        Assert.Equal(0, _handler.Requests);
    }

    [Fact]
    public async Task UpdateEntity_DefaultETag_ThrowsArgumentExceptionWithoutIo()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _table.UpdateEntityAsync(new TableEntity("p", "r"), default));

        Assert.Equal("ifMatch", error.ParamName);
        Assert.Equal(0, _handler.Requests);
    }

    [Fact]
    public async Task SubmitTransaction_NoneOrMoreThan100Actions_ThrowsArgumentExceptionWithoutIo()
    {
        TableTransactionAction[] tooMany = Enumerable.Range(0, 101)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", i.ToString())))
            .ToArray();

        await Assert.ThrowsAsync<ArgumentException>(() => _table.SubmitTransactionAsync([]));
        await Assert.ThrowsAsync<ArgumentException>(() => _table.SubmitTransactionAsync(tooMany));

        Assert.Equal(0, _handler.Requests);
    }

    [Fact]
    public async Task SubmitTransaction_ActionsInTwoPartitions_ThrowsArgumentExceptionWithoutIo()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.UpsertMerge, new TableEntity("a", "1")),
            new(TableTransactionActionType.Delete, new TableEntity("b", "1")),
        ]));

        Assert.Equal(0, _handler.Requests);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_001)]
    public void Query_PageSizeOutsideOneTo1000_ThrowsArgumentOutOfRange(int maxPerPage)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _table.QueryAsync(maxPerPage: maxPerPage));
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        private int _requests;

        public int Requests => _requests;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.BadRequest));
        }
    }
}
