using System.Text.Json;
using ModelGate.Storage;

namespace ModelGate.Tests.Storage;

public sealed class TableEntityJsonTests
{
    [Fact]
    public void Read_AnnotationsBeforeOrAfterTheirValues_GiveTypedValues()
    {
        const string json = """
            {"odata.metadata":"x","odata.etag":"W/\"e\"","PartitionKey":"p","RowKey":"r","Timestamp":"2026-11-22T08:00:00.1234567Z",
             "Big@odata.type":"Edm.Int64","Big":"9007199254740993",
             "Id":"0f8fad5b-d9cb-469f-a165-70867728950e","Id@odata.type":"Edm.Guid",
             "Whole":2,"Whole@odata.type":"Edm.Double",
             "Ratio":1.0,"Small":3,"Nan@odata.type":"Edm.Double","Nan":"NaN"}
            """;
        using JsonDocument document = JsonDocument.Parse(json);

        TableEntity entity = TableEntityJson.Read(document.RootElement);

        Assert.Equal(9007199254740993L, entity["Big"]);
        Assert.Equal(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), entity["Id"]);
        Assert.Equal(2.0, entity["Whole"]);
        Assert.Equal(1.0, entity["Ratio"]);
        Assert.Equal(3, entity["Small"]);
        Assert.Equal(double.NaN, entity["Nan"]);
        Assert.Equal("W/\"e\"", entity.ETag.ToString());
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.Zero).AddTicks(1234567), entity.Timestamp);
        Assert.False(entity.ContainsKey("odata.metadata"));
    }

    [Fact]
    public void Write_TypesJsonCannotCarry_AreAnnotated()
    {
        var entity = new TableEntity("p", "r")
        {
            ["Big"] = 9007199254740993L,
            ["Whole"] = 2.0,
            ["Flag"] = false,
            ["Skipped"] = null,
            ["Timestamp"] = DateTimeOffset.UnixEpoch,
        };

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            TableEntityJson.Write(writer, entity);
        }

        Assert.Equal(
            """{"PartitionKey":"p","RowKey":"r","Big@odata.type":"Edm.Int64","Big":"9007199254740993","Whole@odata.type":"Edm.Double","Whole":2,"Flag":false}""",
            System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }
}
