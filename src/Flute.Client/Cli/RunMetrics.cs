using System.Text.Json;

namespace Flute.Client.Cli;

/// <summary>
/// A finished (or running) run's directory as <c>flute plot</c> and <c>flute compare</c> read it:
/// metrics.jsonl (one JSON object per round) and summary.json.
/// </summary>
internal sealed class RunMetrics
{
    private RunMetrics(string directory, string name, IReadOnlyList<JsonElement> rounds, JsonElement? summary)
    {
        Directory = directory;
        Name = name;
        Rounds = rounds;
        Summary = summary;
    }

    /// <summary>The run directory as given.</summary>
    public string Directory { get; }

    /// <summary>The run's label: its directory's name (the experiment id).</summary>
    public string Name { get; }

    /// <summary>metrics.jsonl, one element per round in file order.</summary>
    public IReadOnlyList<JsonElement> Rounds { get; }

    /// <summary>summary.json, or null when the run has not written one yet.</summary>
    public JsonElement? Summary { get; }

    /// <summary>Reads a run directory.</summary>
    /// <exception cref="UsageException">The directory or its metrics.jsonl is missing, or a line is not JSON: one line naming the file and line.</exception>
    public static RunMetrics Read(string directory)
    {
        string full = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full)) throw new UsageException($"{directory}: no such run directory");
        string metrics = Path.Combine(full, "metrics.jsonl");
        if (!File.Exists(metrics)) throw new UsageException($"{directory}: no metrics.jsonl (not a run directory written by flute run)");
        var rounds = new List<JsonElement>();
        int number = 0;
        foreach (string line in File.ReadLines(metrics))
        {
            number++;
            if (line.Length == 0) continue;
            try
            {
                using var document = JsonDocument.Parse(line);
                rounds.Add(document.RootElement.Clone());
            }
            catch (JsonException e)
            {
                throw new UsageException($"{metrics}:{number}: not a JSON object ({e.Message.Split('.')[0]})");
            }
        }
        JsonElement? summary = null;
        string summaryPath = Path.Combine(full, "summary.json");
        if (File.Exists(summaryPath))
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(summaryPath));
                summary = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new UsageException($"{summaryPath}: not JSON ({e.Message.Split('.')[0]})");
            }
        }
        return new RunMetrics(directory, Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar)), rounds, summary);
    }

    /// <summary>The (round, value) points of a numeric metric, in round order; rounds without it (or with null) are skipped.</summary>
    public (double[] Rounds, double[] Values) Series(string metric)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (JsonElement round in Rounds)
        {
            if (!round.TryGetProperty("round", out JsonElement r) || !round.TryGetProperty(metric, out JsonElement v) || v.ValueKind != JsonValueKind.Number) continue;
            xs.Add(r.GetDouble());
            ys.Add(v.GetDouble());
        }
        return ([.. xs], [.. ys]);
    }

    /// <summary>The names of the numeric metrics any round has (for error messages).</summary>
    public IReadOnlyList<string> MetricNames() =>
        [.. Rounds.SelectMany(r => r.EnumerateObject()).Where(p => p.Value.ValueKind == JsonValueKind.Number && p.Name != "round")
            .Select(p => p.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
