using Azure;
using ModelGate.Storage;

namespace ModelGate.Tests.Storage;

public sealed class TableEntityTests
{
    [Fact]
    public void PropertyNames_AreCaseSensitive()
    {
        var entity = new TableEntity("p", "r") { ["Name"] = "upper", ["name"] = "lower" };

        Assert.Equal("upper", entity.GetString("Name"));
        Assert.Equal("lower", entity.GetString("name"));
        Assert.Null(entity["NAME"]);
    }

    [Fact]
    public void SystemProperties_LiveInTheBagLikeAzureDataTables()
    {
        var entity = new TableEntity("p", "r") { ETag = new ETag("W/\"1\"") };

        Assert.Equal("p", entity["PartitionKey"]);
        Assert.Equal("r", entity["RowKey"]);
        Assert.Equal("W/\"1\"", entity["odata.etag"]);

        entity.ETag = default;
        Assert.False(entity.ContainsKey("odata.etag"));
    }

    [Fact]
    public void TypedGetters_WrongType_ThrowInvalidOperation()
    {
        var entity = new TableEntity("p", "r") { ["Text"] = "1" };

        Assert.Throws<InvalidOperationException>(() => entity.GetInt32("Text"));
        Assert.Throws<InvalidOperationException>(() => entity.GetGuid("Text"));
    }

    [Fact]
    public void TypedGetters_MissingProperty_ReturnNull()
    {
        var entity = new TableEntity("p", "r");

        Assert.Null(entity.GetString("Missing"));
        Assert.Null(entity.GetInt64("Missing"));
        Assert.Null(entity.GetBinary("Missing"));
    }

    [Fact]
    public void NumericGetters_WidenIntegers()
    {
        var entity = new TableEntity("p", "r") { ["Small"] = 5 };

        Assert.Equal(5L, entity.GetInt64("Small"));
        Assert.Equal(5.0, entity.GetDouble("Small"));
    }

    [Fact]
    public void GetDateTimeOffset_UnspecifiedDateTime_IsTakenAsUtc()
    {
        var entity = new TableEntity("p", "r") { ["When"] = new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Unspecified) };

        Assert.Equal(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero), entity.GetDateTimeOffset("When"));
    }
}
