using System.Globalization;

namespace Flute.Core.Heterogeneity;

/// <summary>
/// devices.trace: <c>client_id,samples_per_second,bytes_per_second</c>, one line per client, sorted by id
/// (docs/heterogeneity.md). Read lazily through <see cref="ClientCsvFile"/>; clients it does not list get
/// a profile from the configured distributions.
/// </summary>
public sealed class DeviceTrace : IDisposable
{
    private readonly ClientCsvFile _file;

    /// <summary>Opens and checks the trace at <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">A bad line; the message names the file and line.</exception>
    public DeviceTrace(string path) => _file = new ClientCsvFile(path, Check);

    /// <summary>Clients the trace lists.</summary>
    public long Count => _file.Count;

    /// <summary>The traced profile of <paramref name="clientId"/>, or null when the trace does not list it.</summary>
    public DeviceProfile? Find(long clientId) =>
        _file.Find(clientId) is { } fields ? new DeviceProfile(Parse(fields[0]), Parse(fields[1])) : null;

    /// <inheritdoc/>
    public void Dispose() => _file.Dispose();

    private static string? Check(string[] fields)
    {
        if (fields.Length != 2) return $"expected 3 fields (client_id,samples_per_second,bytes_per_second), found {fields.Length + 1}";
        if (!IsPositive(fields[0])) return $"samples_per_second '{fields[0].Trim()}' is not a number > 0";
        if (!IsPositive(fields[1])) return $"bytes_per_second '{fields[1].Trim()}' is not a number > 0";
        return null;
    }

    private static bool IsPositive(string field) =>
        double.TryParse(field.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && double.IsFinite(v);

    private static double Parse(string field) => double.Parse(field.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture);
}
