using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Flute.Client.Dashboard;
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
                           [--set key=value ...] [--data-dir DIR] [storage options] [--cluster local|CONNECTION ...]
                           [--dashboard PORT [--dashboard-address IP]]
               flute sweep --resume SWEEP [--parallel P] [storage options] [--cluster ...]
          runs the grid (every combination of the --grid values, × N seeds counting up from experiment.seed)
          as concurrent experiments on one embedded silo (or on a cluster with --cluster), P at a time
          (default 1); run ids are SWEEP-01, -02, ... Prints each run's lines prefixed by its id, then a table
          of the runs (as flute compare) and writes runs/SWEEP/sweep.json (the plan) and runs/SWEEP/sweep.csv.
          silo.* must not vary on an embedded silo.
          Ctrl+C (or SIGTERM) pauses every running experiment at its next round boundary and starts no more;
          --resume SWEEP continues the paused runs from their stores, starts those never started and skips
          finished ones (with --storage none, unfinished runs start again from round 0).
          --dashboard PORT serves one live page for every run of the sweep (docs/observability.md).
        """;

    private static readonly DefaultExperimentIds s_ids = new(() => DateTime.Now, Environment.ProcessId);

    /// <summary>The exit code of a run the sweep did not start, because a pause came first.</summary>
    private const int NotStarted = -1;

    public static async Task<int> ExecuteAsync(string[] args)
    {
        if (args is [] or ["--help" or "-h"])
        {
            Console.WriteLine(Help);
            return args.Length == 0 ? ExitCodes.BadInput : ExitCodes.Ok;
        }
        string? configPath = null, sweepId = null, dataDir = null, resumeId = null;
        var grid = new List<(string Key, string[] Values)>();
        var sets = new List<string>();
        var storageArgs = new StorageArguments();
        var clusterArgs = new ClusterArguments();
        var dashboardArgs = new DashboardArguments();
        int seeds = 1;
        int? parallelOption = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (storageArgs.TryParse(args, ref i) || clusterArgs.TryParse(args, ref i) || dashboardArgs.TryParse(args, ref i)) continue;
            switch (args[i])
            {
                case "--grid": grid.Add(ParseGrid(OptionValues.Next(args, ref i))); break;
                case "--seeds": seeds = Positive(OptionValues.Next(args, ref i), "--seeds"); break;
                case "--parallel": parallelOption = Positive(OptionValues.Next(args, ref i), "--parallel"); break;
                case "--id": sweepId = ExperimentIds.Check(OptionValues.Next(args, ref i), "--id"); break;
                case "--resume": resumeId = ExperimentIds.Check(OptionValues.Next(args, ref i), "--resume"); break;
                case "--set": sets.Add(OptionValues.Next(args, ref i)); break;
                case "--data-dir": dataDir = OptionValues.Next(args, ref i); break;
                case var option when option.StartsWith('-'): throw new UsageException($"sweep: unknown option '{option}'");
                default:
                    if (configPath is not null) throw new UsageException($"sweep: one config file expected, found '{configPath}' and '{args[i]}'");
                    configPath = args[i];
                    break;
            }
        }

        SweepManifest manifest;
        if (resumeId is not null)
        {
            if (configPath is not null || grid.Count > 0 || seeds > 1 || sweepId is not null || sets.Count > 0 || dataDir is not null)
                throw new UsageException("sweep --resume SWEEP continues the planned runs: give only --parallel, storage and cluster options with it");
            sweepId = resumeId;
            manifest = SweepManifest.Read(sweepId);
            if (parallelOption is int p) manifest = manifest with { Parallel = p };
        }
        else
        {
            if (configPath is null) throw new UsageException("sweep: missing CONFIG (e.g. flute sweep examples/mnist-lr.yaml --grid client.lr=0.01,0.03)");
            if (grid.Count == 0 && seeds == 1) throw new UsageException("sweep: give at least one --grid key=v1,v2 or --seeds N above 1");
            if (grid.Select(g => g.Key).Distinct(StringComparer.Ordinal).Count() != grid.Count) throw new UsageException("sweep: a key appears in two --grid options");
            FluteConfig baseConfig = ConfigLoader.Load(configPath, sets);
            sweepId ??= s_ids.Next("sweep-" + baseConfig.Experiment.Name);
            manifest = new SweepManifest(configPath, sets, grid, seeds, parallelOption ?? 1, dataDir,
                Plan(configPath, sets, grid, seeds, baseConfig.Experiment.Seed, sweepId));
        }
        IReadOnlyList<SweepRun> runs = manifest.Runs;
        foreach (SweepRun run in runs) DataFiles.Check(manifest.DataDir, run.Config);
        FluteConfig first = runs[0].Config;

        ClusterTarget? target = clusterArgs.Resolve();
        if (target is null && runs.Any(r => r.Config.Silo.Trainers != first.Silo.Trainers || r.Config.Silo.ThreadsPerTrainer != first.Silo.ThreadsPerTrainer || r.Config.Silo.Compute != first.Silo.Compute))
            throw new UsageException("sweep: silo.* must be the same for every run (they share one embedded silo)");
        DashboardEndpoint? dashboard = dashboardArgs.Resolve();
        await using ClusterConnection? cluster = target is null ? null : await ClusterConnection.ConnectAsync(target, dashboard);
        FluteStorageOptions storage = cluster is null
            ? storageArgs.Resolve(first)
            : cluster.Storage(await cluster.SilosAsync(), storageArgs, null);
        // Before the embedded silo exists, so the dispatch is pinned before libtorch loads.
        ComputeFingerprint? fingerprint = cluster is null
            ? FingerprintCheck.Embedded(first)
            : FingerprintCheck.Cluster(await cluster.SilosAsync(), null, first, strict: false, Console.Error);

        string sweepDir = Path.GetFullPath(Path.Combine("runs", sweepId));
        Directory.CreateDirectory(sweepDir);
        if (resumeId is null) manifest.Write(Path.Combine(sweepDir, SweepManifest.FileName));
        string where = cluster is null ? "one embedded silo" : target!.Describe();
        Console.WriteLine($"sweep {sweepId}: {(resumeId is null ? "" : "resuming ")}{runs.Count} run(s) ({runs.Count / manifest.Seeds} setting(s) × {manifest.Seeds} seed(s)), " +
                          $"{manifest.Parallel} at a time on {where} (store: {RunSession.StoreDescription(storage)}) -> {Path.GetRelativePath(Environment.CurrentDirectory, sweepDir)}");

        long started = Stopwatch.GetTimestamp();
        using var pause = new CancellationTokenSource();
        int[] codes;
        using (new PauseSignals(pause.Cancel, "pausing every running experiment after its current round; no further run starts (Ctrl+C again to quit at once)"))
        {
            EmbeddedSilo? host = null;
            if (cluster is null)
            {
                host = EmbeddedSilo.Create(new FluteSiloOptions { Trainers = first.Silo.Trainers, ThreadsPerTrainer = first.Silo.ThreadsPerTrainer }, storage, dashboard);
                await host.StartAsync();
            }
            // One page for every run of the sweep (each its own experiment there), announced once.
            if ((host?.DashboardUrl ?? cluster?.DashboardUrl) is { } url) Console.WriteLine(DashboardHosting.Announcement(url));
            try
            {
                var sweep = new SweepSession(manifest, storage, storageArgs, fingerprint, cluster, pause.Token, plan => plan with
                {
                    SharedSilo = host,
                    Cluster = cluster,
                    ClusterEcho = clusterArgs.Echo(),
                    Pause = pause.Token,
                });
                codes = await sweep.RunAllAsync(resume: resumeId is not null);
            }
            finally
            {
                if (host is not null) await host.DisposeAsync();
            }
        }
        double wall = Stopwatch.GetElapsedTime(started).TotalSeconds;

        var rows = runs.Where(r => File.Exists(Path.Combine("runs", r.Id, "summary.json")))
            .Select(r => CompareCommand.Row.Of(RunMetrics.Read(Path.Combine("runs", r.Id)))).ToList();
        Console.WriteLine();
        Console.Write(CompareCommand.Table(rows));
        string groups = CompareCommand.SeedGroups(rows);
        if (groups.Length > 0) Console.Write(groups);
        File.WriteAllText(Path.Combine(sweepDir, "sweep.csv"), Csv(runs, manifest.Grid, rows));
        int finished = rows.Count(r => r.Status == "finished");
        Console.WriteLine($"sweep {sweepId}: {codes.Count(c => c == ExitCodes.Ok)}/{runs.Count} run(s) ended well, {finished} finished, in {wall.ToString("0.0", CultureInfo.InvariantCulture)} s wall; " +
                          $"table: {Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(sweepDir, "sweep.csv"))}");
        if (finished < runs.Count && codes.All(c => c is ExitCodes.Ok or NotStarted))
        {
            Console.WriteLine($"sweep {sweepId} paused: {runs.Count - finished} run(s) to go ({codes.Count(c => c == NotStarted)} not started); " +
                              $"continue with: ./flute sweep --resume {sweepId}{storageArgs.Echo()}{clusterArgs.Echo()}");
        }
        return codes.FirstOrDefault(c => c is not ExitCodes.Ok and not NotStarted, ExitCodes.Ok);
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

    /// <summary>One row per run: its grid values and seed, then what <c>flute compare --csv</c> writes.</summary>
    private static string Csv(IReadOnlyList<SweepRun> runs, IReadOnlyList<(string Key, string[] Values)> grid, IReadOnlyList<CompareCommand.Row> rows)
    {
        IReadOnlyList<string> metrics = CompareCommand.MetricNames(rows);
        var text = new StringBuilder();
        text.AppendLine(string.Join(",", ["run", .. grid.Select(g => g.Key), "seed", "status", "rounds", "test_accuracy", "test_loss", "rounds_seconds", "model_sha256", .. metrics]));
        foreach (SweepRun run in runs)
        {
            CompareCommand.Row? row = rows.FirstOrDefault(r => r.Run == run.Id);
            IEnumerable<string> values = grid.Select(g => run.Overrides.First(o => o.StartsWith(g.Key + "=", StringComparison.Ordinal))[(g.Key.Length + 1)..]);
            text.AppendLine(string.Join(",", [run.Id, .. values, run.Config.Experiment.Seed.ToString(CultureInfo.InvariantCulture),
                row?.Status ?? "not run", (row?.Rounds ?? 0).ToString(CultureInfo.InvariantCulture),
                Number(row?.Accuracy), Number(row?.Loss), Number(row?.Seconds), row?.Model ?? "", .. metrics.Select(m => Number(row?.Metric(m)))]));
        }
        return text.ToString();
    }

    private static string Number(double? v) => v is double d ? d.ToString("R", CultureInfo.InvariantCulture) : "";
}
