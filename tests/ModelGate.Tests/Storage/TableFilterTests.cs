using ModelGate.Storage;

namespace ModelGate.Tests.Storage;

public sealed class TableFilterTests
{
    [Fact]
    public void Create_StringWithQuotes_DoublesThemInsideOneLiteral()
    {
        string hostile = "x' or PartitionKey ne '";

        Assert.Equal("Group eq 'x'' or PartitionKey ne '''", TableFilter.Create($"Group eq {hostile}"));
    }

    [Fact]
    public void Create_EveryValueType_WritesTheODataLiteral()
    {
        var when = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.FromHours(2)).AddTicks(5);
        var id = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        byte[] bytes = [0x0a, 0xff];

        string filter = TableFilter.Create(
            $"S eq {"a"} and B eq {true} and I eq {-7} and L eq {1L << 40} and D eq {2.0} and F eq {0.25} and T eq {when} and G eq {id} and X eq {bytes} and N eq {null}");

        Assert.Equal(
            "S eq 'a' and B eq true and I eq -7 and L eq 1099511627776L and D eq 2.0 and F eq 0.25 " +
            "and T eq datetime'2026-11-22T08:00:00.0000005Z' and G eq guid'0f8fad5b-d9cb-469f-a165-70867728950e' " +
            "and X eq X'0aff' and N eq null",
            filter);
    }

    [Fact]
    public void Create_FormatSpecifierOnAString_CannotUnquoteIt()
    {
        string value = "a' or 'b";

        Assert.Equal("P eq 'a'' or ''b'", TableFilter.Create($"P eq {value:N}"));
    }

    [Fact]
    public void Create_OtherTypes_AreQuotedStrings()
    {
        Assert.Equal("Mode eq 'Replace'", TableFilter.Create($"Mode eq {TableUpdateMode.Replace}"));
    }

    [Fact]
    public void Create_NaN_Throws()
    {
        Assert.Throws<ArgumentException>(() => TableFilter.Create($"D eq {double.NaN}"));
    }
}
