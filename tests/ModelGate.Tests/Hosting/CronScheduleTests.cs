using ModelGate.Hosting;

namespace ModelGate.Tests.Hosting;

public sealed class CronScheduleTests
{
    [Theory]
    [InlineData("0 */5 * * * *")]
    [InlineData("*/15 * * * * *")]
    [InlineData("0 30 9 * * 1-5")]
    [InlineData("0 0 12 * * MON-FRI")]
    [InlineData("0 0 0 1 jan,Jul *")]
    [InlineData("0 0 0 * * Sunday")]
    [InlineData("5,10,15-20/2 0 0 1 1 0")]
    [InlineData("0 0 */6 * * *")]
    [InlineData("0 7/20 * * * *")]
    [InlineData("  0 0 3   * * *  ")]
    public void Parse_ValidSixFieldSchedule_Succeeds(string expression)
    {
        Assert.True(CronSchedule.TryParse(expression, out var schedule, out var error), error);
        Assert.Equal(string.Join(' ', expression.Split(' ', StringSplitOptions.RemoveEmptyEntries)), schedule.Expression);
    }

    [Theory]
    [InlineData("", "6 fields")]
    [InlineData("*/5 * * * *", "6 fields")]
    [InlineData("0 0 0 * * * 2026", "6 fields")]
    [InlineData("00:05:00", "6 fields")]
    [InlineData("60 * * * * *", "second field")]
    [InlineData("* 60 * * * *", "minute field")]
    [InlineData("* * 24 * * *", "hour field")]
    [InlineData("* * * 0 * *", "day field")]
    [InlineData("* * * 32 * *", "day field")]
    [InlineData("* * * * 13 *", "month field")]
    [InlineData("* * * * * 7", "day-of-week field")]
    [InlineData("*/0 * * * * *", "step")]
    [InlineData("*/x * * * * *", "step")]
    [InlineData("5-1 * * * * *", "backwards")]
    [InlineData("a * * * * *", "not a number")]
    [InlineData(",1 * * * * *", "empty item")]
    [InlineData("1, * * * * *", "empty item")]
    [InlineData("-1 * * * * *", "not a number")]
    [InlineData("* * * * Foo *", "month name")]
    [InlineData("* * * * * Tues", "day-of-week name")]
    [InlineData("? * * * * *", "not a number")]
    public void Parse_InvalidSchedule_SaysWhichFieldAndWhy(string expression, string reason)
    {
        Assert.False(CronSchedule.TryParse(expression, out _, out var error));
        Assert.Contains(reason, error);
        Assert.Throws<FormatException>(() => CronSchedule.Parse(expression));
    }

    [Theory]
    [InlineData("0 */5 * * * *", "2026-03-02T10:02:30", "2026-03-02T10:05:00")]
    [InlineData("0 */5 * * * *", "2026-03-02T10:05:00", "2026-03-02T10:10:00")]
    [InlineData("0 */5 * * * *", "2026-03-02T10:04:59.900", "2026-03-02T10:05:00")]
    [InlineData("0 */5 * * * *", "2026-12-31T23:59:00", "2027-01-01T00:00:00")]
    [InlineData("*/15 * * * * *", "2026-03-02T10:00:14", "2026-03-02T10:00:15")]
    [InlineData("0 30 9 * * 1-5", "2026-03-06T10:00:00", "2026-03-09T09:30:00")] // Friday after → Monday
    [InlineData("0 0 12 * * MON-FRI", "2026-03-07T08:00:00", "2026-03-09T12:00:00")] // Saturday → Monday
    [InlineData("0 0 0 29 2 *", "2025-03-01T00:00:00", "2028-02-29T00:00:00")]
    [InlineData("0 0 0 1 jan,Jul *", "2026-01-01T00:00:00", "2026-07-01T00:00:00")]
    [InlineData("0 0 0 13 * 5", "2026-01-01T00:00:00", "2026-02-13T00:00:00")] // both day fields must match: Friday the 13th
    [InlineData("0 7/20 * * * *", "2026-03-02T10:48:00", "2026-03-02T11:07:00")]
    public void NextAfter_FindsTheFirstMatchingSecondStrictlyAfter(string expression, string after, string expected)
    {
        var schedule = CronSchedule.Parse(expression);
        var next = schedule.NextAfter(DateTime.SpecifyKind(DateTime.Parse(after), DateTimeKind.Utc));
        Assert.Equal(DateTime.SpecifyKind(DateTime.Parse(expected), DateTimeKind.Utc), next);
        Assert.Equal(DateTimeKind.Utc, next!.Value.Kind);
    }

    [Fact]
    public void NextAfter_ADateThatNeverComes_IsNull()
    {
        Assert.Null(CronSchedule.Parse("0 0 0 30 2 *").NextAfter(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
        Assert.Null(CronSchedule.Parse("0 0 0 31 4,6,9,11 *").NextAfter(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
    }

    [Fact]
    public void NextAfter_TheLastSecondOfTime_IsNull()
    {
        Assert.Null(CronSchedule.Parse("* * * * * *").NextAfter(DateTime.MaxValue));
    }
}
