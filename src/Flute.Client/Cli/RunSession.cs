using System.Diagnostics;
using System.Runtime.InteropServices;
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
    Func<IExperimentGrain, Task> Start);

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
        var silo = new FluteSiloOptions
        {
            Trainers = config.Silo.Trainers,
            ThreadsPerTrainer = config.Silo.ThreadsPerTrainer,
        };
        long starting = Stopwatch.GetTimestamp();
        await using var host = EmbeddedSilo.Create(silo, plan.Storage);
        // Load and partition the data (and start the trainers) while Orleans starts: both take
        // about a second, and the experiment grain finds the context ready in the silo's cache.
        Task<ExperimentContext> preload = host.Services.GetRequiredService<ExperimentContextCache>().GetAsync(spec);
        await host.StartAsync();
        double siloSeconds = Stopwatch.GetElapsedTime(starting).TotalSeconds;
        var experiment = host.Grains.GetGrain<IExperimentGrain>(id);
        try
        {
            await preload;
            await plan.Start(experiment);
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

        Console.WriteLine($"ready: silo {siloSeconds:0.00}s, data and model ready after {Stopwatch.GetElapsedTime(starting).TotalSeconds:0.00}s, " +
                          $"{silo.EffectiveTrainers} trainer(s) x {silo.ThreadsPerTrainer} thread(s)");

        var progress = new ProgressPrinter(Console.Out, plan.TotalRounds);
        int seen = 0;
        IReadOnlyList<RoundMetrics>? history = null;
        if (plan.IsResume)
        {
            ExperimentProgress committed = await experiment.GetProgressAsync(0);
            history = committed.NewRounds;
            foreach (var m in history) progress.Remember(m);
            seen = history.Count;
            Console.WriteLine($"resumed after round {committed.ResumedFromRound}/{plan.TotalRounds}");
        }
        using var outputs = new RunOutputs(spec.OutputDirectory, history);

        using var pause = new PauseSignals(() => _ = experiment.PauseAsync());
        ExperimentProgress state;
        string? lockLost = null;
        while (true)
        {
            state = await experiment.GetProgressAsync(seen);
            foreach (var round in state.NewRounds)
            {
                outputs.Append(round);
                progress.Print(round);
            }
            seen += state.NewRounds.Count;
            if (state.Status is not ExperimentStatus.Running) break;
            if (plan.Lock?.Lost is { IsCompleted: true } lost)
            {
                lockLost = await lost;
                break;
            }
            await Task.Delay(PollInterval);
        }

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
            ["test_accuracy"] = lastEval?.TestAccuracy,
            ["test_loss"] = lastEval?.TestLoss,
            ["rounds_seconds"] = Math.Round(state.RoundsSeconds, 4),
            ["fetch_seconds"] = Math.Round(plan.FetchSeconds, 3),
            ["peak_rss_mb"] = Math.Round(ProcessStats.PeakRssMegabytes(), 1),
            ["model_sha256"] = state.ModelSha256,
            ["config_hash"] = ConfigJson.Hash(config),
            ["config_result_hash"] = ConfigJson.ResultHash(config),
            ["store"] = StoreDescription(plan.Storage),
            // Whole-process collection counts: steady-state training should allocate no
            // model-sized arrays per client, so gen-2 collections stay rare (docs/performance.md).
            ["gc_gen0"] = GC.CollectionCount(0),
            ["gc_gen1"] = GC.CollectionCount(1),
            ["gc_gen2"] = GC.CollectionCount(2),
            ["error"] = state.Error ?? lockLost,
        };
        // wall_seconds covers data loading and silo start-up, but not a first-use download.
        summary["wall_seconds"] = Math.Round(ProcessStats.SecondsSinceStart() - plan.FetchSeconds, 3);
        outputs.WriteSummary(summary);

        string resume = $"./flute resume {id}{plan.StorageArguments.Echo()}";
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
            Console.WriteLine($"paused after round {state.RoundsCompleted}/{state.TotalRounds}, state committed; resume with: {resume}");
            return ExitCodes.Ok;
        }
        Console.WriteLine($"done: {state.RoundsCompleted} rounds, test_accuracy {Format(lastEval?.TestAccuracy)}, " +
                          $"wall {summary["wall_seconds"]} s, model {state.ModelSha256?[..16]}; summary in {Path.Combine(spec.OutputDirectory, "summary.json")}");
        return ExitCodes.Ok;
    }

    public static string StoreDescription(FluteStorageOptions storage) => storage.Kind switch
    {
        StorageKind.Local => $"local {Path.GetFullPath(storage.LocalDirectory)}",
        StorageKind.Azure => "azure",
        _ => "none",
    };

    private static string Format(double? value) => value is double v ? v.ToString("0.0000") : "n/a";

    /// <summary>
    /// Ctrl+C and SIGTERM ask for a pause at the next round boundary (state committed, exit 0); a
    /// second Ctrl+C ends the process at once — which is a crash, and resumable like any other.
    /// </summary>
    private sealed class PauseSignals : IDisposable
    {
        private readonly Action _requestPause;
        private readonly PosixSignalRegistration _sigterm;
        private int _requests;

        public PauseSignals(Action requestPause)
        {
            _requestPause = requestPause;
            Console.CancelKeyPress += OnCancel;
            _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                Request();
            });
        }

        private void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            if (Volatile.Read(ref _requests) > 0) return; // second Ctrl+C: let it terminate
            e.Cancel = true;
            Request();
        }

        private void Request()
        {
            if (Interlocked.Increment(ref _requests) == 1)
            {
                Console.WriteLine("pausing after the current round is committed (Ctrl+C again to quit at once)");
                _requestPause();
            }
        }

        public void Dispose()
        {
            Console.CancelKeyPress -= OnCancel;
            _sigterm.Dispose();
        }
    }
}
