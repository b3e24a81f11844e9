using System.Runtime.InteropServices;
using Flute.Client.Cli;
using Flute.Core.Configuration;
using Flute.Grains.Hosting;
using Flute.Grains.Storage;
using Flute.Interfaces;

namespace Flute.Client.Bench;

/// <summary>
/// The Flute side of the overhead benchmark: the real experiment grain on an embedded silo that is
/// started once and reused, each repetition under a fresh experiment id. The time is the grain's own
/// <see cref="ExperimentProgress.RoundsSeconds"/> (first round start to last round end, evaluation excluded).
/// </summary>
internal sealed class EmbeddedFluteRunner : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private readonly EmbeddedSilo _silo;
    private readonly string _runTag = $"{DateTime.Now:yyyyMMdd-HHmmss}-{Environment.ProcessId}";
    private int _runs;

    private EmbeddedFluteRunner(EmbeddedSilo silo) => _silo = silo;

    /// <summary>Starts the silo; <paramref name="storage"/> defaults to no persistence.</summary>
    public static async Task<EmbeddedFluteRunner> StartAsync(int trainers, int threadsPerTrainer, FluteStorageOptions? storage = null)
    {
        var silo = EmbeddedSilo.Create(new FluteSiloOptions { Trainers = trainers, ThreadsPerTrainer = threadsPerTrainer }, storage);
        try
        {
            await silo.StartAsync();
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
        return new EmbeddedFluteRunner(silo);
    }

    /// <summary>Runs the experiment to the end; returns its rounds seconds and final weights.</summary>
    public async Task<(double Seconds, float[] Weights)> RunAsync(FluteConfig config, string dataDir, string kind = "overhead")
    {
        string id = $"bench-{kind}-{_runTag}-{++_runs}";
        var spec = new ExperimentSpec(id, ConfigJson.Serialize(config), dataDir);
        var experiment = _silo.Grains.GetGrain<IExperimentGrain>(id);
        await experiment.StartAsync(spec);
        ExperimentProgress progress;
        while (true)
        {
            // Only the status is needed: asking past the last round returns no metrics.
            progress = await experiment.GetProgressAsync(int.MaxValue);
            if (progress.Status is ExperimentStatus.Finished or ExperimentStatus.Failed or ExperimentStatus.Paused) break;
            await Task.Delay(PollInterval);
        }
        if (progress.Status != ExperimentStatus.Finished)
            throw new InvalidOperationException($"experiment {id} ended {progress.Status.ToString().ToLowerInvariant()} in round {progress.RoundsCompleted + 1}: {progress.Error}");
        // Version v is the global model after v rounds. (The grain drops the silo's copy of the
        // data when it finishes, so repetitions do not pile up.)
        byte[] weights = (await experiment.GetModelAsync(progress.RoundsCompleted)).Value;
        return (progress.RoundsSeconds, MemoryMarshal.Cast<byte, float>(weights).ToArray());
    }

    public ValueTask DisposeAsync() => _silo.DisposeAsync();
}
