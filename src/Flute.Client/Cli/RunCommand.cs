using System.Diagnostics;
using Flute.Core.Configuration;
using Flute.Core.Data.Mnist;
using Flute.Grains.Hosting;
using Flute.Grains.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Flute.Interfaces;

namespace Flute.Client.Cli;

/// <summary>
/// <c>flute run</c>: validates the config, makes sure the data is there, starts an embedded silo,
/// starts the experiment grain, prints one line per round, and writes metrics.jsonl and summary.json.
/// </summary>
public static class RunCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public static async Task<int> ExecuteAsync(RunArguments args)
    {
        FluteConfig config = ConfigLoader.Load(args.ConfigPath, args.Overrides);
        string id = args.Id ?? $"{config.Experiment.Name}-{DateTime.Now:yyyyMMdd-HHmmss}";
        string outDir = args.OutDir ?? Path.Combine("runs", id);
        Console.WriteLine($"experiment {id} -> {outDir}");

        string? dataDir = args.DataDir ?? (config.Data.Dir.Length > 0 ? config.Data.Dir : null);
        MnistFiles files;
        try
        {
            files = MnistFetcher.Ensure(dataDir, Console.Out);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new UsageException(e.Message);
        }

        var silo = new FluteSiloOptions
        {
            Trainers = config.Silo.Trainers,
            ThreadsPerTrainer = config.Silo.ThreadsPerTrainer,
        };
        var spec = new ExperimentSpec(id, ConfigJson.Serialize(config), Path.GetFullPath(files.Directory));
        long starting = Stopwatch.GetTimestamp();
        await using var host = EmbeddedSilo.Create(silo);
        // Load and partition the data (and start the trainers) while Orleans starts: both take
        // about a second, and the experiment grain finds the context ready in the silo's cache.
        Task<ExperimentContext> preload = host.Services.GetRequiredService<ExperimentContextCache>().GetAsync(spec);
        await host.StartAsync();
        double siloSeconds = Stopwatch.GetElapsedTime(starting).TotalSeconds;
        var experiment = host.Grains.GetGrain<IExperimentGrain>(id);
        try
        {
            await preload;
            await experiment.StartAsync(spec);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException)
        {
            throw new UsageException(e.Message);
        }

        Console.WriteLine($"ready: silo {siloSeconds:0.00}s, data and model ready after {Stopwatch.GetElapsedTime(starting).TotalSeconds:0.00}s, " +
                          $"{silo.EffectiveTrainers} trainer(s) x {silo.ThreadsPerTrainer} thread(s)");
        using var outputs = new RunOutputs(outDir);
        var progress = new ProgressPrinter(Console.Out, config.Experiment.Rounds);
        ExperimentProgress state;
        int seen = 0;
        while (true)
        {
            state = await experiment.GetProgressAsync(seen);
            foreach (var round in state.NewRounds)
            {
                outputs.Append(round);
                progress.Print(round);
            }
            seen += state.NewRounds.Count;
            if (state.Status is ExperimentStatus.Finished or ExperimentStatus.Failed or ExperimentStatus.Paused) break;
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
            ["test_accuracy"] = lastEval?.TestAccuracy,
            ["test_loss"] = lastEval?.TestLoss,
            ["rounds_seconds"] = Math.Round(state.RoundsSeconds, 4),
            ["fetch_seconds"] = Math.Round(files.FetchSeconds, 3),
            ["peak_rss_mb"] = Math.Round(ProcessStats.PeakRssMegabytes(), 1),
            ["model_sha256"] = state.ModelSha256,
            ["config_hash"] = ConfigJson.Hash(config),
            // Whole-process collection counts: steady-state training should allocate no
            // model-sized arrays per client, so gen-2 collections stay rare (docs/performance.md).
            ["gc_gen0"] = GC.CollectionCount(0),
            ["gc_gen1"] = GC.CollectionCount(1),
            ["gc_gen2"] = GC.CollectionCount(2),
            ["error"] = state.Error,
        };
        // wall_seconds covers data loading and silo start-up, but not a first-use download.
        summary["wall_seconds"] = Math.Round(ProcessStats.SecondsSinceStart() - files.FetchSeconds, 3);
        outputs.WriteSummary(summary);

        if (state.Status == ExperimentStatus.Failed)
        {
            Console.Error.WriteLine($"flute: experiment {id} failed in round {state.RoundsCompleted + 1}: {state.Error}");
            return ExitCodes.Failed;
        }
        Console.WriteLine($"done: {state.RoundsCompleted} rounds, test_accuracy {Format(lastEval?.TestAccuracy)}, " +
                          $"wall {summary["wall_seconds"]} s, model {state.ModelSha256?[..16]}; summary in {Path.Combine(outDir, "summary.json")}");
        return ExitCodes.Ok;
    }

    private static string Format(double? value) => value is double v ? v.ToString("0.0000") : "n/a";
}
