using System.Text.Json;
using Flute.Core.Configuration;
using Flute.Grains.Storage;
using Flute.Interfaces;

namespace Flute.Client.Cli;

/// <summary>
/// Runs a sweep's experiments, <see cref="SweepManifest.Parallel"/> at a time, each through the same
/// session as <c>flute run</c> / <c>flute resume</c> with its lines prefixed by its id. Once a pause is
/// asked for, running experiments pause at their next round boundary and queued ones never start.
/// </summary>
internal sealed class SweepSession(
    SweepManifest manifest, FluteStorageOptions storage, StorageArguments storageArgs, ComputeFingerprint? fingerprint,
    ClusterConnection? cluster, CancellationToken pause, Func<SessionPlan, SessionPlan> place)
{
    private readonly Lock _lines = new();

    /// <summary>Every run's exit code, in plan order (-1: not started because of a pause).</summary>
    public async Task<int[]> RunAllAsync(bool resume)
    {
        var gate = new SemaphoreSlim(manifest.Parallel);
        return await Task.WhenAll(manifest.Runs.Select(async run =>
        {
            await gate.WaitAsync();
            try
            {
                if (pause.IsCancellationRequested) return -1;
                return await RunOneAsync(run, resume);
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

    private async Task<int> RunOneAsync(SweepRun run, bool resume)
    {
        string outDir = Path.GetFullPath(Path.Combine("runs", run.Id));
        var output = new PrefixedWriter(Console.Out, $"[{run.Id}] ", _lines);
        Func<SessionPlan, SessionPlan> adjust = plan => place(plan) with { Output = output };
        if (resume)
        {
            if (storage.Kind != StorageKind.None)
            {
                ExperimentStore store = ExperimentStore.Open(storage);
                if (await store.ReadStateAsync(run.Id) is { } state)
                {
                    if (state.Status == ExperimentStatus.Finished)
                    {
                        output.WriteLine($"finished already ({state.RoundCompleted} rounds)");
                        return ExitCodes.Ok;
                    }
                    output.WriteLine($"{string.Join(" ", run.Overrides)}: continuing after round {state.RoundCompleted}/{state.TotalRounds}");
                    FluteConfig stored = ConfigJson.Deserialize(state.ConfigJson);
                    var continued = new ResumeRun(store, storage, storageArgs, state, run.Id, stored, state.TotalRounds, [], manifest.DataDir);
                    return await ResumeCommand.ContinueAsync(continued, cluster, adjust);
                }
            }
            else if (FinishedWithoutStore(outDir))
            {
                output.WriteLine("finished already");
                return ExitCodes.Ok;
            }
        }
        output.WriteLine($"{string.Join(" ", run.Overrides)} -> {Path.GetRelativePath(Environment.CurrentDirectory, outDir)}");
        return await RunCommand.RunNewAsync(new NewRun(run.Config, run.Id, outDir, storage, storageArgs, fingerprint, manifest.DataDir), adjust);
    }

    /// <summary>Without a store, a run counts as done when its summary says it finished.</summary>
    private static bool FinishedWithoutStore(string outDir)
    {
        string summary = Path.Combine(outDir, "summary.json");
        if (!File.Exists(summary)) return false;
        using var document = JsonDocument.Parse(File.ReadAllText(summary));
        return document.RootElement.TryGetProperty("status", out JsonElement status) && status.GetString() == "finished";
    }
}
