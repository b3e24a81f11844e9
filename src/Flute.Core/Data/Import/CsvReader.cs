using System.Globalization;

namespace Flute.Core.Data.Import;

/// <summary>
/// Streams one CSV file of samples, one row each: <c>client,label,feature1,…,featureN</c> (comma
/// separated, no quoting; a first row whose label is not an integer is a header and skipped; blank
/// lines are skipped). A client's rows must be consecutive, so each client is handed to the
/// callback once, with only its rows in memory. Checks, each failing with one line naming the
/// file and the row (1-based line number): at least three fields; an integer label ≥ 0; numeric
/// features; the same feature count on every row; a client's rows not split by other clients'.
/// </summary>
public static class CsvReader
{
    /// <summary>Reads <paramref name="path"/>, calling <paramref name="client"/> once per client in file order.</summary>
    public static void Read(string path, UserSamples samples, Action<string, UserSamples> client)
    {
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16));
        var finished = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        int width = -1;
        long row = 0;
        samples.Clear();
        while (reader.ReadLine() is { } line)
        {
            row++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            ReadOnlySpan<char> rest = line.AsSpan().TrimEnd('\r');
            ReadOnlySpan<char> id = Next(ref rest).Trim();
            ReadOnlySpan<char> labelText = Next(ref rest).Trim();
            bool labelOk = int.TryParse(labelText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int label) && label >= 0;
            if (row == 1 && !labelOk) continue;
            int fields = line.AsSpan().Count(',') + 1;
            if (fields < 3) throw new InvalidDataException($"{path}: row {row}: {fields} field(s); expected client,label,feature1,…");
            if (id.Length == 0) throw new InvalidDataException($"{path}: row {row}: empty client id");
            if (!labelOk) throw new InvalidDataException($"{path}: row {row}: label '{labelText}' is not an integer class ≥ 0");
            if (current is null || !id.SequenceEqual(current))
            {
                if (current is not null)
                {
                    client(current, samples);
                    finished.Add(current);
                    samples.Clear();
                }
                current = id.ToString();
                if (finished.Contains(current))
                    throw new InvalidDataException($"{path}: row {row}: client '{current}' appears again after other clients' rows (sort the file by client)");
            }
            int before = samples.FeatureValues;
            int column = 3;
            for (bool more = true; more; column++)
            {
                more = rest.Contains(',');
                ReadOnlySpan<char> field = Next(ref rest).Trim();
                if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
                    throw new InvalidDataException($"{path}: row {row}: column {column} '{field}' is not a finite number");
                samples.AddFeature(value);
            }
            int features = samples.FeatureValues - before;
            if (width < 0) width = features;
            else if (features != width)
                throw new InvalidDataException($"{path}: row {row}: ragged row of {features} features, earlier rows have {width}");
            samples.AddLabel(label);
            samples.Rows++;
        }
        if (current is not null) client(current, samples);
    }

    /// <summary>The text up to the next comma (all of it if none), moving <paramref name="rest"/> past that comma.</summary>
    private static ReadOnlySpan<char> Next(ref ReadOnlySpan<char> rest)
    {
        int comma = rest.IndexOf(',');
        ReadOnlySpan<char> field = comma < 0 ? rest : rest[..comma];
        rest = comma < 0 ? [] : rest[(comma + 1)..];
        return field;
    }
}
