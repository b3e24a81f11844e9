using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flute.Grains.Hosting;

namespace Flute.Client.Bench;

/// <summary>Prints the overhead benchmark's rows as an aligned table and writes them as JSON.</summary>
internal static class OverheadReport
{
    private static readonly string[] Headers =
        ["config", "rounds", "clients/round", "flute s", "bare s", "overhead", "central s", "central ratio", "max |Δw|"];

    public static string Table(IReadOnlyList<OverheadRow> rows)
    {
        var cells = new List<string[]> { Headers };
        foreach (var r in rows)
        {
            cells.Add([
                r.Config,
                Invariant(r.Rounds),
                Invariant(r.ClientsPerRound),
                r.FluteSeconds.ToString("0.000", CultureInfo.InvariantCulture),
                r.BareSeconds.ToString("0.000", CultureInfo.InvariantCulture),
                r.OverheadRatio.ToString("0.00", CultureInfo.InvariantCulture) + "x",
                r.CentralizedSeconds.ToString("0.000", CultureInfo.InvariantCulture),
                r.CentralizedRatio.ToString("0.00", CultureInfo.InvariantCulture) + "x",
                r.MaxAbsWeightDiff.ToString("0.0e+0", CultureInfo.InvariantCulture),
            ]);
        }
        var widths = new int[Headers.Length];
        foreach (var row in cells)
            for (int c = 0; c < row.Length; c++) widths[c] = Math.Max(widths[c], row[c].Length);
        var text = new StringBuilder();
        foreach (var row in cells)
        {
            for (int c = 0; c < row.Length; c++)
            {
                if (c > 0) text.Append("  ");
                // The label reads left-aligned; numbers line up on the right.
                text.Append(c == 0 ? row[c].PadRight(widths[c]) : row[c].PadLeft(widths[c]));
            }
            text.AppendLine();
        }
        return text.ToString();
    }

    public static JsonObject Json(IReadOnlyList<OverheadRow> rows, int reps, double minSeconds)
    {
        var array = new JsonArray();
        foreach (var r in rows)
        {
            array.Add(new JsonObject
            {
                ["config"] = r.Config,
                ["rounds"] = r.Rounds,
                ["clients_per_round"] = r.ClientsPerRound,
                ["trainers"] = r.Trainers,
                ["threads_per_trainer"] = r.ThreadsPerTrainer,
                ["parameters"] = r.Parameters,
                ["sgd_steps"] = r.SgdSteps,
                ["flute_rounds_seconds"] = Number(r.FluteSeconds),
                ["bare_seconds"] = Number(r.BareSeconds),
                ["overhead_ratio"] = Number(r.OverheadRatio),
                ["centralized_seconds"] = Number(r.CentralizedSeconds),
                ["centralized_ratio"] = Number(r.CentralizedRatio),
                ["max_abs_weight_diff"] = Number(r.MaxAbsWeightDiff, round: false),
                ["flute_runs"] = new JsonArray([.. r.FluteRuns.Select(v => (JsonNode?)Number(v))]),
                ["bare_runs"] = new JsonArray([.. r.BareRuns.Select(v => (JsonNode?)Number(v))]),
            });
        }
        return new JsonObject
        {
            ["benchmark"] = "overhead",
            ["reps"] = reps,
            ["min_seconds"] = minSeconds,
            ["machine"] = Machine(),
            ["rows"] = array,
        };
    }

    public static void WriteJson(string path, JsonObject json)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static JsonObject Machine() => new()
    {
        ["cpu"] = CpuModel(),
        ["cores"] = Environment.ProcessorCount,
        ["compute"] = ComputeModes.Name(ComputeDispatch.Mode),
        ["os"] = RuntimeInformation.OSDescription,
        ["runtime"] = RuntimeInformation.FrameworkDescription,
    };

    private static string CpuModel()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is int colon and >= 0)
                    return line[(colon + 1)..].Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or not readable: the architecture is the best we can say.
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    // JSON has no NaN or infinity; a broken measurement is written as null rather than failing the write.
    // Times and ratios are rounded to the microsecond's worth of digits; a weight difference keeps all of its own.
    private static JsonNode? Number(double value, bool round = true) =>
        double.IsFinite(value) ? JsonValue.Create(round ? Math.Round(value, 6) : value) : null;

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
