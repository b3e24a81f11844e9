using System.Diagnostics;
using Flute.Core.Persistence;
using Flute.Grains.Storage;
using Flute.Interfaces;

namespace Flute.Client.Cli;

/// <summary>
/// <c>flute pause ID</c>: from any terminal, asks a running experiment to stop at its next round
/// boundary — through the store, so it needs no connection to the running process — and waits until
/// the run has committed that round and paused.
/// </summary>
public static class PauseCommand
{
    public static async Task<int> ExecuteAsync(string[] args)
    {
        string? id = null;
        double timeoutSeconds = 600;
        bool wait = true;
        var storageArgs = new StorageArguments(withCluster: true);
        for (int i = 0; i < args.Length; i++)
        {
            if (storageArgs.TryParse(args, ref i)) continue;
            switch (args[i])
            {
                case "--no-wait": wait = false; break;
                case "--timeout":
                    string t = OptionValues.Next(args, ref i);
                    timeoutSeconds = double.TryParse(t, out double v) && v > 0 ? v : throw new UsageException($"--timeout: expected seconds > 0, found '{t}'");
                    break;
                default:
                    if (args[i].StartsWith('-')) throw new UsageException($"pause: unknown option '{args[i]}'");
                    id = id is null ? ExperimentIds.Check(args[i], "pause") : throw new UsageException("pause: one experiment id expected");
                    break;
            }
        }
        if (id is null) throw new UsageException("pause: missing experiment ID");
        ExperimentStore store = ExperimentStore.Open(await storageArgs.ResolveAsync());
        ExperimentState state = await store.ReadStateAsync(id) ?? throw new UsageException($"no experiment '{id}' in {store.Location}");
        if (state.Status != ExperimentStatus.Running)
        {
            Console.WriteLine($"experiment {id} is {state.Status.ToString().ToLowerInvariant()} after round {state.RoundCompleted}/{state.TotalRounds}: nothing to pause");
            return state.Status == ExperimentStatus.Paused ? ExitCodes.Ok : ExitCodes.BadInput;
        }
        if (store is LocalExperimentStore)
        {
            // The local lock is free exactly when no process runs the experiment (a crash releases it):
            // a pause request would then wait for a run that is not coming.
            IExperimentLock? probe = null;
            try
            {
                probe = await store.AcquireLockAsync(id);
            }
            catch (ExperimentLockedException)
            {
                // Held: a run or resume is active, as expected.
            }
            if (probe is not null)
            {
                await probe.DisposeAsync();
                Console.Error.WriteLine($"flute: experiment {id} is not running: its last run stopped after round {state.RoundCompleted}/{state.TotalRounds} without pausing (a crash?); continue it with './flute resume {id}{storageArgs.Echo()}'");
                return ExitCodes.BadInput;
            }
        }
        await store.RequestPauseAsync(id);
        Console.WriteLine($"pause requested for {id} (running, round {state.RoundCompleted}/{state.TotalRounds} committed)");
        if (!wait) return ExitCodes.Ok;

        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < timeoutSeconds)
        {
            await Task.Delay(200);
            ExperimentState? now = await store.ReadStateAsync(id);
            if (now is null || now.Status == ExperimentStatus.Running) continue;
            string how = now.Status == ExperimentStatus.Paused ? "paused" : now.Status.ToString().ToLowerInvariant();
            Console.WriteLine($"{id} {how} after round {now.RoundCompleted}/{now.TotalRounds}; resume with: ./flute resume {id}{storageArgs.Echo()}");
            return ExitCodes.Ok;
        }
        Console.Error.WriteLine($"flute: {id} did not pause within {timeoutSeconds:0} s; is it running? (the request stays: its next round boundary pauses it)");
        return ExitCodes.Failed;
    }
}
