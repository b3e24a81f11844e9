using System.Globalization;

namespace Flute.Core.Persistence;

/// <summary>
/// The id a run gets when none is given: <c>&lt;name&gt;-&lt;yyyyMMdd-HHmmss-fff&gt;-&lt;process id&gt;</c>
/// in local time, e.g. <c>mnist-lr-20261205-162427-123-4711</c>. Readable, sorted by start time
/// among ids of one name, and unique: two processes running at the same moment differ in the
/// process id, and one process never repeats a millisecond (a clock that stands still or steps
/// back is moved on by one). With experiment.name at most 64 characters an id stays within
/// <see cref="ExperimentId.MaxLength"/>.
/// </summary>
public sealed class DefaultExperimentIds(Func<DateTime> localClock, int processId)
{
    private readonly Lock _gate = new();
    private DateTime _last = DateTime.MinValue;

    /// <summary>The next default id for an experiment named <paramref name="experimentName"/>.</summary>
    public string Next(string experimentName)
    {
        DateTime now = localClock();
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
        lock (_gate)
        {
            if (now <= _last) now = _last.AddMilliseconds(1);
            _last = now;
        }
        return string.Create(CultureInfo.InvariantCulture, $"{experimentName}-{now:yyyyMMdd-HHmmss-fff}-{processId}");
    }
}
