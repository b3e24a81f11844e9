using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flute.Core.Configuration;
using Flute.Grains.Storage;

namespace Flute.Client.Cli;

/// <summary>
/// <c>flute compare RUN_DIR... [--csv FILE]</c>: the runs' summaries side by side, then — for runs
/// whose configs differ only by seed (and by keys that never change results) — the mean ± sample
/// standard deviation of the final test accuracy and loss over those seeds. Metrics the runs were
/// configured with (<c>server.metrics</c>: summary.json's other <c>test_&lt;name&gt;</c> fields) get
/// columns and mean ± std lines of their own.
/// </summary>
internal static class CompareCommand
{
    public const string Help = """
        usage: flute compare RUN_DIR... [--csv FILE]
          one row per run from its summary.json (status, rounds, accuracy, loss, the metrics of
          server.metrics, time, model), then mean ± std of test accuracy, loss and those metrics over
          runs whose config.json differ only by experiment.seed (and experiment.name or other keys
          that never change results).
        """;

    public static int Execute(string[] args)
    {
        if (args is [] or ["--help" or "-h"])
        {
            Console.WriteLine(Help);
            return args.Length == 0 ? ExitCodes.BadInput : ExitCodes.Ok;
        }
        var directories = new List<string>();
        string? csv = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--csv")
            {
                if (i + 1 >= args.Length) throw new UsageException("compare: --csv needs a file");
                csv = args[++i];
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"compare: unknown option '{args[i]}'");
            else directories.Add(args[i]);
        }
        List<Row> rows = [.. directories.Select(d => Row.Of(RunMetrics.Read(d)))];
        Console.Write(Table(rows));
        string groups = SeedGroups(rows);
        if (groups.Length > 0)
        {
            Console.WriteLine();
            Console.Write(groups);
        }
        if (csv is not null)
        {
            File.WriteAllText(csv, Csv(rows));
            Console.WriteLine($"compare: {rows.Count} row(s) -> {csv}");
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// One run's row; <see cref="SeedlessConfig"/> is its config without seed-like keys (null without
    /// config.json); <see cref="Metrics"/> its summary's other <c>test_&lt;name&gt;</c> numbers (server.metrics), in file order.
    /// </summary>
    internal sealed record Row(string Run, string Status, int Rounds, double? Accuracy, double? Loss, double? Seconds, string Model, ulong? Seed, string? SeedlessConfig)
    {
        public IReadOnlyList<KeyValuePair<string, double>> Metrics { get; init; } = [];

        public double? Metric(string name) => Metrics.FirstOrDefault(m => m.Key == name) is { Key: not null } m ? m.Value : null;

        public static Row Of(RunMetrics run)
        {
            JsonElement s = run.Summary ?? throw new UsageException($"compare: {run.Directory} has no summary.json yet (the run has not ended)");
            return new Row(run.Name, Text(s, "status") ?? "?", s.TryGetProperty("rounds_completed", out JsonElement r) && r.ValueKind == JsonValueKind.Number ? r.GetInt32() : 0,
                Number(s, "test_accuracy"), Number(s, "test_loss"), Number(s, "rounds_seconds"), Text(s, "model_sha256") ?? "", SeedOf(s), Seedless(run.Directory))
            {
                Metrics = [.. s.EnumerateObject()
                    .Where(p => MetricsJson.IsMetricField(p.Name, MetricsJson.TestPrefix) && p.Value.ValueKind == JsonValueKind.Number)
                    .Select(p => KeyValuePair.Create(p.Name, p.Value.GetDouble()))],
            };
        }
    }

    /// <summary>Every configured metric any row has, in the order first seen.</summary>
    internal static IReadOnlyList<string> MetricNames(IReadOnlyList<Row> rows) => [.. rows.SelectMany(r => r.Metrics.Select(m => m.Key)).Distinct(StringComparer.Ordinal)];

    internal static string Table(IReadOnlyList<Row> rows)
    {
        IReadOnlyList<string> metrics = MetricNames(rows);
        string[] header = ["run", "status", "rounds", "test_accuracy", "test_loss", .. metrics, "rounds_seconds", "model"];
        List<string[]> cells = [header, .. rows.Select(r => (string[])
        [
            r.Run, r.Status, r.Rounds.ToString(CultureInfo.InvariantCulture), Format(r.Accuracy), Format(r.Loss),
            .. metrics.Select(m => Format(r.Metric(m))), Format(r.Seconds, "F2"),
            r.Model.Length > 16 ? r.Model[..16] : r.Model,
        ])];
        int[] widths = [.. Enumerable.Range(0, header.Length).Select(c => cells.Max(row => row[c].Length))];
        int lastNumber = header.Length - 2;   // rounds … rounds_seconds are right-aligned
        var text = new System.Text.StringBuilder();
        foreach (string[] row in cells)
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c >= 2 && c <= lastNumber ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd());
        return text.ToString();
    }

    /// <summary>Mean ± sample std over each group of two or more runs that differ only by seed.</summary>
    internal static string SeedGroups(IReadOnlyList<Row> rows)
    {
        var text = new System.Text.StringBuilder();
        foreach (var group in rows.Where(r => r.SeedlessConfig is not null).GroupBy(r => r.SeedlessConfig, StringComparer.Ordinal))
        {
            List<Row> runs = [.. group];
            if (runs.Count < 2 || runs.Select(r => r.Seed).Distinct().Count() < 2) continue;
            text.AppendLine($"over {runs.Count} seeds ({string.Join(", ", runs.Select(r => r.Run))}):");
            IReadOnlyList<string> metrics = MetricNames(runs);
            int width = Math.Max("test_accuracy".Length, metrics.Select(m => m.Length).DefaultIfEmpty(0).Max());
            text.AppendLine($"  {"test_accuracy".PadRight(width)} {MeanStd(runs.Select(r => r.Accuracy))}");
            text.AppendLine($"  {"test_loss".PadRight(width)} {MeanStd(runs.Select(r => r.Loss))}");
            foreach (string metric in metrics)
                text.AppendLine($"  {metric.PadRight(width)} {MeanStd(runs.Select(r => r.Metric(metric)))}");
        }
        return text.ToString();
    }

    /// <summary>"mean ± std (n)" with the sample standard deviation (n − 1); runs without the value are left out.</summary>
    internal static string MeanStd(IEnumerable<double?> values)
    {
        double[] v = [.. values.OfType<double>().Where(double.IsFinite)];
        if (v.Length == 0) return "-";
        double mean = v.Average();
        double std = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
        return string.Create(CultureInfo.InvariantCulture, $"{mean:F4} ± {std:F4} (n={v.Length})");
    }

    internal static string Csv(IReadOnlyList<Row> rows)
    {
        // Configured metrics go after the fixed columns, so scripts reading those by position keep working.
        IReadOnlyList<string> metrics = MetricNames(rows);
        var text = new System.Text.StringBuilder(string.Join(",", ["run", "status", "rounds", "test_accuracy", "test_loss", "rounds_seconds", "model_sha256", "seed", .. metrics]) + "\n");
        foreach (Row r in rows)
            text.AppendLine(string.Join(",", [r.Run, r.Status, r.Rounds.ToString(CultureInfo.InvariantCulture), Csv(r.Accuracy), Csv(r.Loss), Csv(r.Seconds), r.Model,
                r.Seed?.ToString(CultureInfo.InvariantCulture) ?? "", .. metrics.Select(m => Csv(r.Metric(m)))]));
        return text.ToString();
    }

    private static string Csv(double? value) => value is double v ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    private static string Format(double? value, string format = "F4") => value is double v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string? Text(JsonElement o, string name) => o.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double? Number(JsonElement o, string name) => o.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static ulong? SeedOf(JsonElement summary) =>
        summary.TryGetProperty("seed", out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetUInt64(out ulong seed) ? seed : null;

    /// <summary>The run's config.json without experiment.seed and the keys that never change results, or null without a readable config.json.</summary>
    private static string? Seedless(string directory)
    {
        string path = Path.Combine(directory, "config.json");
        if (!File.Exists(path)) return null;
        try
        {
            if (JsonNode.Parse(File.ReadAllText(path)) is not JsonObject config) return null;
            foreach (string key in ConfigSchema.ResumeNeutralKeys.Append("experiment.seed"))
            {
                string[] parts = key.Split('.');
                if (config[parts[0]] is JsonObject section) section.Remove(parts[1]);
            }
            return config.ToJsonString();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
