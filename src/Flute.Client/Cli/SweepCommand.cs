using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Flute.Core.Configuration;
using Flute.Core.Persistence;
using Flute.Grains.Hosting;
using Flute.Grains.Storage;
using Flute.Interfaces;

namespace Flute.Client.Cli;

/// <summary>
/// <c>flute sweep CONFIG --grid key=v1,v2 [--grid ...] [--seeds N] [--parallel P]</c>: every point of the
/// grid (× N seeds) as its own experiment — its own experiment grain, id, store entry and run
/// directory — P at a time on one embedded silo; then the runs' table (<see cref="CompareCommand"/>)
/// and runs/SWEEP/sweep.csv. Concurrency changes no result: each run equals the same config run alone.
/// </summary>
internal static class SweepCommand
{
    public const string Help = """
        usage: flute sweep CONFIG --grid key=v1,v2,... [--grid ...] [--seeds N] [--parallel P] [--id SWEEP]
                           [--set key=value ...] [--data-dir DIR] [storage options]
          runs the grid (every combination of the --grid values, × N seeds counting up from experiment.seed)
          as concurrent experiments on one embedded silo, P at a time (default 1); run ids are SWEEP-01, -02, ...
          Prints each run's lines prefixed by its id, then a table of the runs (as flute compare) and writes
          runs/SWEEP/sweep.json (the plan) and runs/SWEEP/sweep.csv. silo.* must not vary. Ctrl+C pauses every
          running experiment; continue each with flute resume ID.
        """;

    private static readonly DefaultExperimentIds s_ids = new(() => DateTime.Now, Environment.ProcessId);

    /// <summary>One run of the sweep: its id, the overrides that make it, and its validated config.</summary>
    private sealed record SweepRun(string Id, IReadOnlyList<string> Overrides, FluteConfig Config);

    public static async Task<int> ExecuteAsync(string[] args)
    {
        if (args is [] or ["--help" or "-h"])
        {
            Console.WriteLine(Help);
            return args.Length == 0 ? ExitCodes.BadInput : ExitCodes.Ok;
        }
        string? configPath = null, sweepId = null, dataDir = null;
        var grid = new List<(string Key, string[] Values)>();
        var sets = new List<string>();
        var storageArgs = new StorageArguments();
        int seeds = 1, parallel = 1;
        for (int i = 0; i < args.Length; i++)
        {
            if (storageArgs.TryParse(args, ref i)) continue;
            switch (args[i])
            {
                case "--grid": grid.Add(ParseGrid(OptionValues.Next(args, ref i))); break;
                case "--seeds": seeds = Positive(OptionValues.Next(args, ref i), "--seeds"); break;
                case "--parallel": parallel = Positive(OptionValues.Next(args, ref i), "--parallel"); break;
                case "--id": sweepId = ExperimentIds.Check(OptionValues.Next(args, ref i), "--id"); break;
                case "--set": sets.Add(OptionValues.Next(args, ref i)); break;
                case "--data-dir": dataDir = OptionValues.Next(args, ref i); break;
                case var option when option.StartsWith('-'): throw new UsageException($"sweep: unknown option '{option}'");
                default:
                    if (configPath is not null) throw new UsageException($"sweep: one config file expected, found '{configPath}' and '{args[i]}'");
                    configPath = args[i];
                    break;
            }
        }
        if (configPath is null) throw new UsageException("sweep: missing CONFIG (e.g. flute sweep examples/mnist-lr.yaml --grid client.lr=0.01,0.03)");
        if (grid.Count == 0 && seeds == 1) throw new UsageException("sweep: give at least one --grid key=v1,v2 or --seeds N above 1");
        if (grid.Select(g => g.Key).Distinct(StringComparer.Ordinal).Count() != grid.Count) throw new UsageException("sweep: a key appears in two --grid options");

        FluteConfig baseConfig = ConfigLoader.Load(configPath, sets);
        sweepId ??= s_ids.Next("sweep-" + baseConfig.Experiment.Name);
        List<SweepRun> runs = Plan(configPath, sets, grid, seeds, baseConfig.Experiment.Seed, sweepId);
        foreach (SweepRun run in runs) DataFiles.Check(dataDir, run.Config);
        FluteConfig first = runs[0].Config;
        if (runs.Any(r => r.Config.Silo.Trainers != first.Silo.Trainers || r.Config.Silo.ThreadsPerTrainer != first.Silo.ThreadsPerTrainer || r.Config.Silo.Compute != first.Silo.Compute))
            throw new UsageException("sweep: silo.* must be the same for every run (they share one embedded silo)");
        FluteStorageOptions storage = storageArgs.Resolve(first);
        ComputeFingerprint? fingerprint = FingerprintCheck.Embedded(first);

        string sweepDir = Path.GetFullPath(Path.Combine("runs", sweepId));
        Directory.CreateDirectory(sweepDir);
        WriteManifest(Path.Combine(sweepDir, "sweep.json"), configPath, grid, seeds, parallel, runs);
        Console.WriteLine($"sweep {sweepId}: {runs.Count} run(s) ({runs.Count / seeds} setting(s) × {seeds} seed(s)), {parallel} at a time on one embedded silo " +
                          $"(store: {RunSession.StoreDescription(storage)}) -> {Path.GetRelativePath(Environment.CurrentDirectory, sweepDir)}");

        long started = Stopwatch.GetTimestamp();
        var silo = new FluteSiloOptions { Trainers = first.Silo.Trainers, ThreadsPerTrainer = first.Silo.ThreadsPerTrainer };
        int[] codes;
        await using (EmbeddedSilo host = EmbeddedSilo.Create(silo, storage))
        {
            await host.StartAsync();
            var gate = new SemaphoreSlim(parallel);
            var lines = new Lock();
            codes = await Task.WhenAll(runs.Select(async run =>
            {
                await gate.WaitAsync();
                try
                {
                    string outDir = Path.GetFullPath(Path.Combine("runs", run.Id));
                    var output = new PrefixedWriter(Console.Out, $"[{run.Id}] ", lines);
                    output.WriteLine($"{string.Join(" ", run.Overrides)} -> {Path.GetRelativePath(Environment.CurrentDirectory, outDir)}");
                    return await RunCommand.RunNewAsync(new NewRun(run.Config, run.Id, outDir, storage, storageArgs, fingerprint, dataDir),
                        plan => plan with { SharedSilo = host, Output = output });
                }
                catch (UsageException e)
                {
                    await Console.Error.WriteLineAsync($"flute: sweep run {run.Id}: {e.Message}");
                    return ExitCodes.BadInput;
                }
                finally
                {
                    gate.Release();
                }
            }));
        }
        double wall = Stopwatch.GetElapsedTime(started).TotalSeconds;

        var rows = runs.Where(r => File.Exists(Path.Combine("runs", r.Id, "summary.json")))
            .Select(r => CompareCommand.Row.Of(RunMetrics.Read(Path.Combine("runs", r.Id)))).ToList();
        Console.WriteLine();
        Console.Write(CompareCommand.Table(rows));
        string groups = CompareCommand.SeedGroups(rows);
        if (groups.Length > 0) Console.Write(groups);
        File.WriteAllText(Path.Combine(sweepDir, "sweep.csv"), Csv(runs, grid, rows));
        Console.WriteLine($"sweep {sweepId}: {codes.Count(c => c == ExitCodes.Ok)}/{runs.Count} run(s) ended well in {wall.ToString("0.0", CultureInfo.InvariantCulture)} s wall; " +
                          $"table: {Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(sweepDir, "sweep.csv"))}");
        return codes.FirstOrDefault(c => c != ExitCodes.Ok, ExitCodes.Ok);
    }

    /// <summary>The runs: the grid's combinations in the order of the --grid options (the last varies fastest), each × the seeds.</summary>
    private static List<SweepRun> Plan(string configPath, IReadOnlyList<string> sets, IReadOnlyList<(string Key, string[] Values)> grid, int seeds, ulong seed, string sweepId)
    {
        IEnumerable<IReadOnlyList<string>> points = [[]];
        foreach (var (key, values) in grid)
            points = points.SelectMany(p => values.Select(v => (IReadOnlyList<string>)[.. p, $"{key}={v}"])).ToList();
        var runs = new List<SweepRun>();
        foreach (IReadOnlyList<string> point in points)
        {
            for (int s = 0; s < seeds; s++)
            {
                List<string> overrides = [.. point];
                if (seeds > 1) overrides.Add($"experiment.seed={seed + (ulong)s}");
                string id = $"{sweepId}-{runs.Count + 1:D2}";
                if (!ExperimentId.IsValid(id)) throw new UsageException($"sweep: run id '{id}' is not {ExperimentId.Description}; choose a shorter --id");
                FluteConfig config;
                try
                {
                    config = ConfigLoader.Load(configPath, [.. sets, .. overrides]);
                }
                catch (ConfigException e)
                {
                    throw new ConfigException($"--grid {string.Join(" ", point)}", e.Message);
                }
                runs.Add(new SweepRun(id, overrides, config));
            }
        }
        return runs;
    }

    private static (string Key, string[] Values) ParseGrid(string text)
    {
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        string[] values = eq < 0 ? [] : text[(eq + 1)..].Split(',', StringSplitOptions.TrimEntries);
        if (eq <= 0 || values.Length == 0 || values.Any(v => v.Length == 0))
            throw new UsageException($"--grid: expected key.path=v1,v2,..., found '{text}'");
        return (text[..eq].Trim(), values);
    }

    private static int Positive(string text, string option) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 ? n : throw new UsageException($"{option}: expected an integer ≥ 1, found '{text}'");

    private static void WriteManifest(string path, string configPath, IReadOnlyList<(string Key, string[] Values)> grid, int seeds, int parallel, IReadOnlyList<SweepRun> runs)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("config", Path.GetFullPath(configPath));
        json.WriteStartObject("grid");
        foreach (var (key, values) in grid)
        {
            json.WriteStartArray(key);
            foreach (string v in values) json.WriteStringValue(v);
            json.WriteEndArray();
        }
        json.WriteEndObject();
        json.WriteNumber("seeds", seeds);
        json.WriteNumber("parallel", parallel);
        json.WriteStartArray("runs");
        foreach (SweepRun run in runs)
        {
            json.WriteStartObject();
            json.WriteString("id", run.Id);
            json.WriteStartArray("set");
            foreach (string o in run.Overrides) json.WriteStringValue(o);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>One row per run: its grid values and seed, then what <c>flute compare --csv</c> writes.</summary>
    private static string Csv(IReadOnlyList<SweepRun> runs, IReadOnlyList<(string Key, string[] Values)> grid, IReadOnlyList<CompareCommand.Row> rows)
    {
        var text = new StringBuilder();
        text.AppendLine(string.Join(",", ["run", .. grid.Select(g => g.Key), "seed", "status", "rounds", "test_accuracy", "test_loss", "rounds_seconds", "model_sha256"]));
        foreach (SweepRun run in runs)
        {
            CompareCommand.Row? row = rows.FirstOrDefault(r => r.Run == run.Id);
            IEnumerable<string> values = grid.Select(g => run.Overrides.First(o => o.StartsWith(g.Key + "=", StringComparison.Ordinal))[(g.Key.Length + 1)..]);
            text.AppendLine(string.Join(",", [run.Id, .. values, run.Config.Experiment.Seed.ToString(CultureInfo.InvariantCulture),
                row?.Status ?? "not run", (row?.Rounds ?? 0).ToString(CultureInfo.InvariantCulture),
                Number(row?.Accuracy), Number(row?.Loss), Number(row?.Seconds), row?.Model ?? ""]));
        }
        return text.ToString();
    }

    private static string Number(double? v) => v is double d ? d.ToString("R", CultureInfo.InvariantCulture) : "";
}
