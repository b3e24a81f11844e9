using System.Diagnostics;
using System.Runtime.InteropServices;
using Flute.Client.Dashboard;
using Flute.Core.Configuration;
using Flute.Core.Persistence;
using Flute.Grains.Hosting;
using Flute.Grains.Runtime;
using Flute.Grains.Storage;
using Flute.Interfaces;
using Microsoft.Extensions.DependencyInjection;

namespace Flute.Client.Cli;

/// <summary>What one run or resume of an experiment needs: its spec, how to start the grain, and where things go.</summary>
public sealed record SessionPlan(
    ExperimentSpec Spec,
    FluteConfig Config,
    int TotalRounds,
    FluteStorageOptions Storage,
    StorageArguments StorageArguments,
    IExperimentLock? Lock,
    double FetchSeconds,
    bool IsResume,
    Func<IExperimentGrain, Task> Start)
{
    /// <summary>The silo cluster to run on; null runs an embedded silo in this process.</summary>
    public ClusterConnection? Cluster { get; init; }

    /// <summary>The cluster options to repeat in suggested follow-up commands.</summary>
    public string ClusterEcho { get; init; } = "";

    /// <summary>An embedded silo already running in this process that several sessions share (<c>flute sweep</c>); null: the session starts its own.</summary>
    public EmbeddedSilo? SharedSilo { get; init; }

    /// <summary>Where the session's progress and result lines go (standard output unless a sweep labels them).</summary>
    public TextWriter Output { get; init; } = Console.Out;

    /// <summary>
    /// When set (a sweep), cancelling it pauses the experiment at its next round boundary, and the
    /// session leaves Ctrl+C and SIGTERM to the caller; already cancelled: the run pauses after its first round.
    /// </summary>
    public CancellationToken? Pause { get; init; }

    /// <summary>Also write every round's metrics as TensorBoard scalars under the run directory's tensorboard/ (--tensorboard).</summary>
    public bool TensorBoard { get; init; }

    /// <summary>
    /// Serve the live dashboard here (run and resume --dashboard): an embedded silo the session starts
    /// serves it, a cluster connection already does; the session announces it. Null for a sweep's runs,
    /// whose shared silo or connection serves and announces one page for all of them.
    /// </summary>
    public DashboardEndpoint? Dashboard { get; init; }
}

/// <summary>
/// Runs an experiment on an embedded silo until it finishes, fails, or pauses (Ctrl+C, SIGTERM or
/// <c>flute pause</c>), printing one line per committed round and writing metrics.jsonl and
/// summary.json. Shared by <c>run</c> and <c>resume</c>.
/// </summary>
public static class RunSession
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public static async Task<int> ExecuteAsync(SessionPlan plan)
    {
        ExperimentSpec spec = plan.Spec;
        string id = spec.ExperimentId;
        FluteConfig config = plan.Config;
        long starting = Stopwatch.GetTimestamp();
        EmbeddedSilo? host = null;
        try
        {
            IGrainFactory grains;
            string ready;
            if (plan.SharedSilo is { } shared)
            {
                grains = shared.Grains;
                await AsUsage(() => shared.Services.GetRequiredService<ExperimentContextCache>().GetAsync(spec));
                ready = $"ready: shared silo, data and model ready after {Stopwatch.GetElapsedTime(starting).TotalSeconds:0.00}s";
            }
            else if (plan.Cluster is { } cluster)
            {
                IReadOnlyList<SiloInfo> silos = await cluster.SilosAsync();
                grains = cluster.Grains;
                ready = $"ready: {cluster.Target.Describe()}, {silos.Count} silo(s), {silos.Sum(i => i.Trainers)} trainer(s): " +
                        string.Join(", ", silos.Select(i => $"{i.Name} {i.Device} x{i.Trainers}"));
            }
            else
            {
                var silo = new FluteSiloOptions
                {
                    Trainers = config.Silo.Trainers,
                    ThreadsPerTrainer = config.Silo.ThreadsPerTrainer,
                };
                host = EmbeddedSilo.Create(silo, plan.Storage, plan.Dashboard);
                // Load and partition the data (and start the trainers) while Orleans starts: both take
                // about a second, and the experiment grain finds the context ready in the silo's cache.
                Task<ExperimentContext> preload = host.Services.GetRequiredService<ExperimentContextCache>().GetAsync(spec);
                await host.StartAsync();
                double siloSeconds = Stopwatch.GetElapsedTime(starting).TotalSeconds;
                grains = host.Grains;
                await AsUsage(() => preload);
                ready = $"ready: silo {siloSeconds:0.00}s, data and model ready after {Stopwatch.GetElapsedTime(starting).TotalSeconds:0.00}s, " +
                        $"{silo.EffectiveTrainers} trainer(s) x {silo.ThreadsPerTrainer} thread(s)";
            }
            var experiment = grains.GetGrain<IExperimentGrain>(id);
            await AsUsage(() => plan.Start(experiment));
            // A sweep announces its dashboard once, for all its runs (its plans carry no Dashboard).
            if (plan.Dashboard is not null && (host?.DashboardUrl ?? plan.Cluster?.DashboardUrl) is { } url)
                plan.Output.WriteLine(DashboardHosting.Announcement(url));
            plan.Output.WriteLine(ready);
            IServiceProvider? services = host?.Services ?? plan.SharedSilo?.Services ?? plan.Cluster?.Services;
            return await WatchAsync(plan, experiment, services?.GetService<ExperimentBoard>());
        }
        finally
        {
            if (host is not null) await host.DisposeAsync();
        }
    }

    /// <summary>Storage failures keep their exit code (3); a refused start is bad input (2).</summary>
    private static async Task AsUsage(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (StorageUnavailableException)
        {
            throw;
        }
        catch (Exception e) when (StorageFailures.Is(e, fileErrors: false))
        {
            throw new StorageUnavailableException(e.Message.StartsWith("storage error", StringComparison.Ordinal) ? e.Message : $"storage error: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>How long the run waits for a cluster to bring an unreachable experiment grain back (its silo died).</summary>
    private static readonly TimeSpan s_reconnectBudget = TimeSpan.FromMinutes(3);

    /// <summary>Polls progress, skipping over the seconds a cluster needs to move the experiment off a dead silo.</summary>
    private static async Task<ExperimentProgress> ProgressAsync(IExperimentGrain experiment, int seen, bool cluster)
    {
        long started = Stopwatch.GetTimestamp();
        bool told = false;
        while (true)
        {
            try
            {
                return await experiment.GetProgressAsync(seen);
            }
            catch (Exception e) when (cluster && e is not OutOfMemoryException && Stopwatch.GetElapsedTime(started) < s_reconnectBudget)
            {
                if (!told) Console.WriteLine($"the experiment's silo is unreachable ({e.GetType().Name}); waiting for the cluster to continue it on another silo");
                told = true;
                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }
        }
    }

    private static async Task<int> WatchAsync(SessionPlan plan, IExperimentGrain experiment, ExperimentBoard? board)
    {
        ExperimentSpec spec = plan.Spec;
        string id = spec.ExperimentId;
        FluteConfig config = plan.Config;
        bool cluster = plan.Cluster is not null;
        // On a terminal the round lines go through Spectre.Console, above its live bar.
        var progress = new ProgressPrinter(LiveProgress.Enabled(plan.Output) ? new AnsiLineWriter() : plan.Output, plan.TotalRounds);
        int seen = 0;
        IReadOnlyList<RoundMetrics>? history = null;
        ExperimentFeed? feed = board?.Open(id, config.Experiment.Name, plan.TotalRounds);
        if (plan.IsResume)
        {
            ExperimentProgress committed = await ProgressAsync(experiment, 0, cluster);
            history = committed.NewRounds;
            foreach (var m in history)
            {
                progress.Remember(m);
                feed?.Add(m);
            }
            seen = history.Count;
            plan.Output.WriteLine($"resumed after round {committed.ResumedFromRound}/{plan.TotalRounds}");
        }
        using var outputs = new RunOutputs(spec.OutputDirectory, history);
        outputs.WriteConfig(spec.ConfigJson);
        var traffic = new TrafficTotals();
        foreach (var m in history ?? []) traffic.Add(m);

        TensorBoardLog? tensorBoard = plan.TensorBoard ? new TensorBoardLog(Path.Combine(spec.OutputDirectory, "tensorboard")) : null;
        // Ctrl+C and SIGTERM pause at the next round boundary; a sweep pauses its runs through its own token.
        using IDisposable pause = plan.Pause is { } token
            ? (IDisposable)token.Register(() => _ = experiment.PauseAsync())
            : new PauseSignals(() => _ = experiment.PauseAsync(), "pausing after the current round is committed (Ctrl+C again to quit at once)");
        string? lockLost = null;
        // On a terminal a live bar sits under the round lines (LiveProgress); the lines are the same.
        ExperimentProgress state = await LiveProgress.RunAsync(plan.Output, plan.TotalRounds, seen > 0 ? history![^1].Round : 0, async live =>
        {
            while (true)
            {
                ExperimentProgress now = await ProgressAsync(experiment, seen, cluster);
                foreach (var round in now.NewRounds)
                {
                    outputs.Append(round);
                    tensorBoard?.Write(round);
                    progress.Print(round);
                    traffic.Add(round);
                    live(round, traffic.SiloClients.Count);
                    feed?.Add(round);
                }
                seen += now.NewRounds.Count;
                feed?.Update(now.Status, now.RoundsCompleted, now.TotalRounds, now.Error);
                if (now.Status is not ExperimentStatus.Running) return now;
                if (plan.Lock?.Lost is { IsCompleted: true } lost)
                {
                    lockLost = await lost;
                    return now;
                }
                await Task.Delay(PollInterval);
            }
        });

        RoundMetrics? lastEval = progress.LastEvaluated;
        var summary = new Dictionary<string, object?>
        {
            ["experiment"] = id,
            ["name"] = config.Experiment.Name,
            ["seed"] = config.Experiment.Seed,
            ["status"] = state.Status.ToString().ToLowerInvariant(),
            ["rounds_completed"] = state.RoundsCompleted,
            ["total_rounds"] = state.TotalRounds,
            ["resumed_from_round"] = state.ResumedFromRound,
            ["initial_test_accuracy"] = progress.Initial?.TestAccuracy,
            ["test_accuracy"] = lastEval?.TestAccuracy,
            ["test_loss"] = lastEval?.TestLoss,
            ["rounds_seconds"] = Math.Round(state.RoundsSeconds, 4),
            ["fetch_seconds"] = Math.Round(plan.FetchSeconds, 3),
            ["peak_rss_mb"] = Math.Round(ProcessStats.PeakRssMegabytes(), 1),
            ["model_sha256"] = state.ModelSha256,
            ["config_hash"] = ConfigJson.Hash(config),
            ["config_result_hash"] = ConfigJson.ResultHash(config),
            ["store"] = StoreDescription(plan.Storage),
            ["cluster"] = plan.Cluster?.Target.ClusterId,
            // Where this session computed: CPU, libtorch, dispatch in force (docs/reproducibility.md).
            ["fingerprint"] = spec.Fingerprint,
            // Totals over the rounds: clients each silo trained and folded, weights sent to other
            // silos' model caches, and update bytes that reached the experiment grain.
            ["silo_clients"] = traffic.SiloClients,
            ["model_bytes_to_silos"] = traffic.ModelBytes,
            ["update_bytes_to_server"] = traffic.UpdateBytes,
            ["client_update_bytes"] = traffic.ClientUpdateBytes,
            // Central DP: the (ε, δ) spent after the last round (null without server.strategy dpfedavg).
            ["epsilon"] = traffic.Epsilon,
            ["delta"] = traffic.Delta,
            // Whole-process collection counts: steady-state training should allocate no
            // model-sized arrays per client, so gen-2 collections stay rare (docs/performance.md).
            ["gc_gen0"] = GC.CollectionCount(0),
            ["gc_gen1"] = GC.CollectionCount(1),
            ["gc_gen2"] = GC.CollectionCount(2),
            ["error"] = state.Error ?? lockLost,
        };
        // The configured metrics (server.metrics) of the last evaluated round, as metrics.jsonl names them.
        foreach (var (metric, value) in lastEval?.TestMetrics ?? new Dictionary<string, double>()) summary[MetricsJson.TestPrefix + metric] = value;
        // wall_seconds covers data loading and silo start-up, but not a first-use download.
        // The virtual clock's total (devices.clock on): device time the rounds took, not wall time.
        if (traffic.VirtualTime is double virtualTime) summary["virtual_time"] = virtualTime;
        summary["wall_seconds"] = Math.Round(ProcessStats.SecondsSinceStart() - plan.FetchSeconds, 3);
        outputs.WriteSummary(summary);

        string resume = $"./flute resume {id}{plan.StorageArguments.Echo()}{plan.ClusterEcho}";
        if (lockLost is not null)
        {
            Console.Error.WriteLine($"flute: experiment {id} stopped: {lockLost}; the last committed round is {state.RoundsCompleted}; resume with: {resume}");
            return ExitCodes.StorageUnavailable;
        }
        if (state.Status == ExperimentStatus.Failed && state.StorageFailure)
        {
            Console.Error.WriteLine($"flute: experiment {id} stopped: {state.Error}; the last committed round ({state.RoundsCompleted}) is intact; resume with: {resume}");
            return ExitCodes.StorageUnavailable;
        }
        if (state.Status == ExperimentStatus.Failed)
        {
            Console.Error.WriteLine($"flute: experiment {id} failed in round {state.RoundsCompleted + 1}: {state.Error}");
            return ExitCodes.Failed;
        }
        if (state.Status == ExperimentStatus.Paused)
        {
            plan.Output.WriteLine($"paused after round {state.RoundsCompleted}/{state.TotalRounds}, state committed; resume with: {resume}");
            return ExitCodes.Ok;
        }
        plan.Output.WriteLine($"done: {state.RoundsCompleted} rounds, test_accuracy {Format(lastEval?.TestAccuracy)}" +
                          (progress.Initial?.TestAccuracy is double initial ? $" (round 0: {Format(initial)})" : "") + ", " +
                          $"wall {summary["wall_seconds"]} s, model {state.ModelSha256?[..16]}; summary in {Path.Combine(spec.OutputDirectory, "summary.json")}");
        return ExitCodes.Ok;
    }

    /// <summary>Per-run totals of the per-round traffic metrics.</summary>
    private sealed class TrafficTotals
    {
        public SortedDictionary<string, long> SiloClients { get; } = new(StringComparer.Ordinal);
        public long ModelBytes;
        public long UpdateBytes;
        public double? VirtualTime;
        public long ClientUpdateBytes;
        public double? Epsilon;
        public double? Delta;

        public void Add(RoundMetrics m)
        {
            VirtualTime = m.VirtualTime ?? VirtualTime;
            ModelBytes += m.ModelBytesToSilos ?? 0;
            UpdateBytes += m.UpdateBytesToServer ?? 0;
            ClientUpdateBytes += m.ClientUpdateBytes ?? 0;
            if (m.Epsilon is double epsilon) (Epsilon, Delta) = (epsilon, m.Delta);
            foreach (var (silo, n) in m.SiloClients ?? new Dictionary<string, int>())
                SiloClients[silo] = SiloClients.GetValueOrDefault(silo) + n;
        }
    }

    public static string StoreDescription(FluteStorageOptions storage) => storage.Kind switch
    {
        StorageKind.Local => $"local {Path.GetFullPath(storage.LocalDirectory)}",
        StorageKind.Azure => "azure",
        _ => "none",
    };

    private static string Format(double? value) => value is double v ? v.ToString("0.0000") : "n/a";
}
