using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;

namespace ModelGate.Hosting;

/// <summary>
/// A 6-field NCRONTAB schedule as the Functions timer trigger reads it: second minute hour day month
/// day-of-week, each field <c>*</c>, a value, a range <c>a-b</c>, a step (<c>*/n</c>, <c>a-b/n</c>, <c>a/n</c> =
/// from a to the field's end), or a comma list of those. Months and days of the week also take English
/// names (<c>jan</c>, <c>January</c>, <c>mon</c>, <c>Monday</c>, any case). Day-of-week runs 0 (Sunday) to 6.
/// As in NCrontab, a time matches when every field matches, day and day-of-week included.
/// Accepting no more than NCrontab does, so a schedule valid here is valid for the Functions host.
/// </summary>
public sealed class CronSchedule
{
    private static readonly string[] MonthNames = CultureInfo.InvariantCulture.DateTimeFormat.MonthNames[..12];
    private static readonly string[] DayNames = CultureInfo.InvariantCulture.DateTimeFormat.DayNames;

    private static readonly Field[] Fields =
    [
        new("second", 0, 59, null),
        new("minute", 0, 59, null),
        new("hour", 0, 23, null),
        new("day", 1, 31, null),
        new("month", 1, 12, MonthNames),
        new("day-of-week", 0, 6, DayNames),
    ];

    private const int SecondField = 0, MinuteField = 1, HourField = 2, DayField = 3, MonthField = 4, DayOfWeekField = 5;

    // A day-of-month + day-of-week pair (say 29 February on a Monday) recurs within one 400-year Gregorian cycle.
    private const int YearsSearched = 400;

    private readonly ulong[] _allowed;

    private CronSchedule(string expression, ulong[] allowed)
    {
        Expression = expression;
        _allowed = allowed;
    }

    public string Expression { get; }

    public override string ToString() => Expression;

    public static CronSchedule Parse(string expression) =>
        TryParse(expression, out var schedule, out var error) ? schedule : throw new FormatException(error);

    /// <summary>Parses <paramref name="expression"/>, or says which field is wrong and why.</summary>
    public static bool TryParse(string? expression, [NotNullWhen(true)] out CronSchedule? schedule, [NotNullWhen(false)] out string? error)
    {
        schedule = null;
        var parts = (expression ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != Fields.Length)
        {
            error = $"An NCRONTAB schedule has 6 fields (second minute hour day month day-of-week); '{expression}' has {parts.Length}.";
            return false;
        }

        var allowed = new ulong[Fields.Length];
        for (var i = 0; i < Fields.Length; i++)
        {
            if (!Fields[i].TryParse(parts[i], out allowed[i], out var fieldError))
            {
                error = $"{Fields[i].Name} field '{parts[i]}': {fieldError}";
                return false;
            }
        }
        schedule = new CronSchedule(string.Join(' ', parts), allowed);
        error = null;
        return true;
    }

    /// <summary>
    /// The first whole second strictly after <paramref name="time"/> that the schedule matches, in the same
    /// <see cref="DateTime.Kind"/>; null when no date can ever match (such as 30 February).
    /// </summary>
    public DateTime? NextAfter(DateTime time)
    {
        var wholeSecond = time.Ticks - time.Ticks % TimeSpan.TicksPerSecond;
        if (wholeSecond > DateTime.MaxValue.Ticks - TimeSpan.TicksPerSecond) return null;
        var start = new DateTime(wholeSecond + TimeSpan.TicksPerSecond, time.Kind);

        var lastYear = Math.Min(start.Year + YearsSearched, DateTime.MaxValue.Year);
        for (var year = start.Year; year <= lastYear; year++)
        {
            var firstYear = year == start.Year;
            for (var month = firstYear ? start.Month : 1; month <= 12; month++)
            {
                if (!Allows(MonthField, month)) continue;
                var firstMonth = firstYear && month == start.Month;
                var days = DateTime.DaysInMonth(year, month);
                for (var day = firstMonth ? start.Day : 1; day <= days; day++)
                {
                    if (!Allows(DayField, day) || !Allows(DayOfWeekField, (int)new DateTime(year, month, day).DayOfWeek)) continue;
                    var firstDay = firstMonth && day == start.Day;
                    for (var hour = firstDay ? start.Hour : 0; hour < 24; hour++)
                    {
                        if (!Allows(HourField, hour)) continue;
                        var firstHour = firstDay && hour == start.Hour;
                        for (var minute = firstHour ? start.Minute : 0; minute < 60; minute++)
                        {
                            if (!Allows(MinuteField, minute)) continue;
                            var second = FirstAllowed(SecondField, firstHour && minute == start.Minute ? start.Second : 0);
                            if (second >= 0) return new DateTime(year, month, day, hour, minute, second, time.Kind);
                        }
                    }
                }
            }
        }
        return null;
    }

    private bool Allows(int field, int value) => (_allowed[field] & (1UL << value)) != 0;

    private int FirstAllowed(int field, int from)
    {
        var remaining = _allowed[field] & (ulong.MaxValue << from);
        return remaining == 0 ? -1 : BitOperations.TrailingZeroCount(remaining);
    }

    private sealed record Field(string Name, int Min, int Max, string[]? Names)
    {
        /// <summary>Reads one field into a bit set: bit v is set when value v matches.</summary>
        public bool TryParse(string text, out ulong bits, [NotNullWhen(false)] out string? error)
        {
            bits = 0;
            foreach (var item in text.Split(','))
            {
                if (item.Length == 0)
                {
                    error = "a list has an empty item.";
                    return false;
                }

                var step = 1;
                var range = item;
                var slash = item.IndexOf('/');
                if (slash >= 0)
                {
                    range = item[..slash];
                    if (!int.TryParse(item[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1)
                    {
                        error = $"the step in '{item}' must be a whole number of at least 1.";
                        return false;
                    }
                }

                int first, last;
                if (range == "*")
                {
                    (first, last) = (Min, Max);
                }
                else if (range.IndexOf('-') is var dash and > 0)
                {
                    if (!TryValue(range[..dash], out first, out error) || !TryValue(range[(dash + 1)..], out last, out error)) return false;
                    if (first > last)
                    {
                        error = $"the range '{range}' runs backwards.";
                        return false;
                    }
                }
                else
                {
                    if (!TryValue(range, out first, out error)) return false;
                    // A single value with a step runs to the end of the field, as NCrontab reads it.
                    last = slash >= 0 ? Max : first;
                }

                for (var value = first; value <= last; value += step) bits |= 1UL << value;
            }
            error = null;
            return true;
        }

        private bool TryValue(string text, out int value, [NotNullWhen(false)] out string? error)
        {
            error = null;
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= Min && value <= Max)
                return true;
            if (Names is not null && text.Length >= 3)
            {
                for (var i = 0; i < Names.Length; i++)
                {
                    // Full names and their three-letter abbreviations; NCrontab also takes other prefixes, we need not.
                    if (text.Equals(Names[i], StringComparison.OrdinalIgnoreCase)
                        || (text.Length == 3 && Names[i].StartsWith(text, StringComparison.OrdinalIgnoreCase)))
                    {
                        value = Min + i;
                        return true;
                    }
                }
            }
            error = Names is null
                ? $"'{text}' is not a number from {Min} to {Max}."
                : $"'{text}' is not a number from {Min} to {Max} or a {Name} name.";
            return false;
        }
    }
}
