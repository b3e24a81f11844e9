using System.Globalization;

namespace Flute.Core.Heterogeneity;

/// <summary>
/// devices.availability: <c>client_id,start,end[,start,end…]</c>, one line per client, sorted by id; each
/// pair is a half-open interval [start, end) of virtual seconds in which the client is online, in
/// increasing order (docs/heterogeneity.md). With a period P &gt; 0 the trace repeats: time t is read as
/// t mod P. Clients the file does not list are always online. Read lazily through <see cref="ClientCsvFile"/>.
/// </summary>
public sealed class AvailabilityTrace : IDisposable
{
    private readonly ClientCsvFile _file;
    private readonly double _period;

    /// <summary>Opens and checks the file at <paramref name="path"/>; <paramref name="period"/> 0 means times are absolute.</summary>
    /// <exception cref="FormatException">A bad line; the message names the file and line.</exception>
    public AvailabilityTrace(string path, double period)
    {
        _period = period;
        _file = new ClientCsvFile(path, Check);
    }

    /// <summary>Clients the file lists.</summary>
    public long Count => _file.Count;

    /// <summary>Whether <paramref name="clientId"/> is online at virtual time <paramref name="seconds"/>.</summary>
    public bool IsOnline(long clientId, double seconds)
    {
        if (_file.Find(clientId) is not { } fields) return true;
        double t = _period > 0 ? seconds % _period : seconds;
        for (int i = 0; i + 1 < fields.Length; i += 2)
        {
            if (t >= Parse(fields[i]) && t < Parse(fields[i + 1])) return true;
        }
        return false;
    }

    /// <inheritdoc/>
    public void Dispose() => _file.Dispose();

    private static string? Check(string[] fields)
    {
        if (fields.Length == 0 || fields.Length % 2 != 0)
            return $"expected client_id followed by pairs of start,end virtual seconds, found {fields.Length} value(s) after the id";
        double previousEnd = double.NegativeInfinity;
        for (int i = 0; i < fields.Length; i += 2)
        {
            if (!TryParse(fields[i], out double start) || !TryParse(fields[i + 1], out double end))
                return $"interval {i / 2 + 1} ('{fields[i].Trim()}', '{fields[i + 1].Trim()}') is not a pair of numbers ≥ 0";
            if (end <= start) return $"interval {i / 2 + 1} ends ({end}) at or before it starts ({start})";
            if (start < previousEnd) return $"interval {i / 2 + 1} starts ({start}) before the previous one ends ({previousEnd}); list intervals in increasing order";
            previousEnd = end;
        }
        return null;
    }

    private static bool TryParse(string field, out double value) =>
        double.TryParse(field.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value >= 0 && double.IsFinite(value);

    private static double Parse(string field) => double.Parse(field.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture);
}
