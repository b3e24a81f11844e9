using Flute.Core.Persistence;
using Flute.Grains.Storage;
using Flute.Interfaces;
using Microsoft.Extensions.Logging;

namespace Flute.Grains.Rounds;

/// <summary>What one commit writes: the round's results and the experiment's state after it.</summary>
/// <param name="Round">The round committed (0: the initial weights).</param>
/// <param name="Status">The experiment's status after the commit.</param>
/// <param name="TotalRounds">The rounds the experiment runs to.</param>
/// <param name="ModelVersion">The model version after the round.</param>
/// <param name="Weights">The global weights after the round.</param>
/// <param name="ModelSha256">Their hash.</param>
/// <param name="OptimizerState">The server optimizer's state.</param>
/// <param name="StrategyState">The strategy's state, or null for a stateless strategy.</param>
/// <param name="Metrics">Every round's metrics so far.</param>
/// <param name="BestRound">The best round on the validation split (0: none).</param>
/// <param name="BestValue">Its metric value.</param>
/// <param name="SnapshotEvery">storage.snapshot_every: rounds kept besides the last and the best.</param>
public sealed record RoundCommit(
    int Round, ExperimentStatus Status, int TotalRounds, long ModelVersion, float[] Weights, string ModelSha256,
    IReadOnlyList<float[]> OptimizerState, byte[]? StrategyState, IReadOnlyList<RoundMetrics> Metrics,
    int BestRound, double BestValue, int SnapshotEvery);

/// <summary>
/// Commits rounds (docs/persistence.md): the round's blobs (weights, optimizer and strategy state,
/// metrics history) go to the checkpoint store first, then the experiment grain's state — which names
/// them — is written; that write is the commit. Rounds no longer kept are pruned in the background.
/// Storage calls get a bounded number of attempts. With persistence off only the state is kept (in memory).
/// </summary>
public sealed partial class RoundCommitter(IPersistentState<ExperimentState> state, FluteStore store, CrashPoints crashPoints, ILogger logger)
{
    private const int CommitAttempts = 3;
    private static readonly string s_buildVersion = typeof(RoundCommitter).Assembly.GetName().Version?.ToString() ?? "unknown";
    private Task _pruning = Task.CompletedTask;

    /// <summary>The checkpoint writer, or null when persistence is off.</summary>
    public CheckpointWriter? Writer { get; } = store.Checkpoints is { } checkpoints ? new CheckpointWriter(checkpoints) : null;

    /// <summary>Commits <paramref name="commit"/>: blobs first, then the grain state naming them, then rounds no longer kept are pruned.</summary>
    public async Task CommitAsync(RoundCommit commit)
    {
        ExperimentState s = state.State;
        int round = commit.Round;
        s.Status = commit.Status;
        s.RoundCompleted = round;
        s.TotalRounds = commit.TotalRounds;
        s.ModelVersion = commit.ModelVersion;
        s.BuildVersion = s_buildVersion;
        s.ModelSha256 = commit.ModelSha256;
        s.BestRound = commit.BestRound;
        s.BestValue = commit.BestValue;
        s.LastRound = commit.Metrics.Count > 0 ? commit.Metrics[^1] : null;
        s.LastEvaluated = commit.Metrics.LastOrDefault(m => m.TestAccuracy is not null) ?? s.LastEvaluated;
        s.UpdatedAtUtc = DateTime.UtcNow;
        if (Writer is null) return;

        string id = s.ExperimentId;
        var snapshot = new RoundSnapshot(id, round, commit.ModelVersion, CheckpointStatus.Running, s.ConfigJson, s_buildVersion,
            commit.Weights, commit.OptimizerState, MetricsJson.EncodeHistory(commit.Metrics), commit.StrategyState, s.UpdatedAtUtc);
        ExperimentCheckpoint record = await WithRetriesAsync(() => Writer.WriteRoundAsync(snapshot));
        crashPoints.Check(round, "blobs");
        s.WeightsKey = record.WeightsKey;
        s.OptimizerStateKey = record.OptimizerStateKey;
        s.MetricsKey = record.MetricsKey;
        s.StrategyStateKey = record.StrategyStateKey;
        // The storage's "commit" crash point reads the round from the state it writes, not from anything shared.
        s.CommittingRound = round;
        try
        {
            await WriteStateWithRetriesAsync();
        }
        finally
        {
            s.CommittingRound = null;
        }
        crashPoints.Check(round, "committed");
        // Pruning old rounds is not part of the commit: it runs while the next round computes
        // (one prune at a time, never touching rounds after the committed one), and the last
        // commit of a run waits for it.
        Task previous = _pruning;
        _pruning = PruneInBackgroundAsync(previous, id, round, RetainedBy(commit.SnapshotEvery, commit.BestRound));
        if (commit.Status != ExperimentStatus.Running) await _pruning;
    }

    /// <summary>Deletes the blobs of every round after <paramref name="round"/> (a crash between a round's blobs and its commit) and the rounds before it no longer kept.</summary>
    public Task PruneAfterResumeAsync(string id, int round, int snapshotEvery, int bestRound) =>
        WithRetriesAsync(() => Writer!.PruneAsync(id, round, RetainedBy(snapshotEvery, bestRound)));

    /// <summary>Writes the grain state with retries.</summary>
    public Task WriteStateWithRetriesAsync() => WithRetriesAsync(() => state.WriteStateAsync());

    /// <summary>Loads a kept round, with an error naming the earlier kept rounds when it is unusable.</summary>
    public async Task<LoadedCheckpoint> LoadKeptRoundAsync(string experimentId, int round)
    {
        LoadedCheckpoint? loaded;
        try
        {
            loaded = await Writer!.LoadRoundAsync(experimentId, round);
        }
        catch (CorruptCheckpointException e)
        {
            IReadOnlyList<int> kept = await Writer!.ListRoundsAsync(experimentId);
            string earlier = string.Join(", ", kept.Where(r => r < round).OrderDescending());
            throw new InvalidOperationException(
                $"experiment '{experimentId}': the checkpoint of round {round} is unusable: {e.Message}" +
                (earlier.Length > 0
                    ? $"; earlier kept rounds: {earlier} (start from one with 'flute resume {experimentId} --from-round R --id NEW')"
                    : "; no earlier round is kept"));
        }
        if (loaded is null)
        {
            IReadOnlyList<int> kept = await Writer!.ListRoundsAsync(experimentId);
            throw new InvalidOperationException(
                $"experiment '{experimentId}' has no kept round {round} in {store.Location} (kept rounds: {(kept.Count > 0 ? string.Join(", ", kept) : "none")})");
        }
        return loaded;
    }

    /// <summary>Records a failed status and its error, keeping the last committed round; best effort.</summary>
    public async Task TryRecordFailureAsync(string? error)
    {
        if (Writer is null || !state.RecordExists) return;
        try
        {
            state.State.Status = ExperimentStatus.Failed;
            state.State.Error = error;
            state.State.UpdatedAtUtc = DateTime.UtcNow;
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            LogRecordFailed(logger, e, state.State.ExperimentId);
        }
    }

    /// <summary>Whether a pause was requested through the store (by a CLI without a connection to the cluster).</summary>
    public async Task<bool> PauseRequestedAsync(string id) =>
        store.Checkpoints is { } checkpoints && await checkpoints.ExistsAsync(CheckpointKeys.PauseRequest(id));

    /// <summary>Removes a pause request (once honoured, or a stale one before a resume).</summary>
    public async Task ClearPauseRequestAsync(string id)
    {
        if (store.Checkpoints is { } checkpoints) await checkpoints.DeleteAsync(CheckpointKeys.PauseRequest(id));
    }

    /// <summary>A failure of the store rather than of the experiment.</summary>
    public static bool IsStorageFailure(Exception e) => StorageFailures.Is(e, fileErrors: true);

    private static Func<int, bool> RetainedBy(int snapshotEvery, int bestRound) =>
        r => (snapshotEvery > 0 && r > 0 && r % snapshotEvery == 0) || (bestRound > 0 && r == bestRound);

    private async Task PruneInBackgroundAsync(Task previous, string id, int round, Func<int, bool> retained)
    {
        try
        {
            await previous;
            await WithRetriesAsync(() => Writer!.PruneAsync(id, round, retained, deleteLaterRounds: false));
            crashPoints.Check(round, "pruned");
        }
        catch (Exception e)
        {
            // Nothing is lost: the round is committed, and the next prune deletes what this one left.
            LogPruneFailed(logger, e, id, round);
        }
    }

    /// <summary>Storage calls get a bounded number of attempts (the backends retry transient faults inside too).</summary>
    private static async Task<T> WithRetriesAsync<T>(Func<Task<T>> action)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await action();
            }
            catch (Exception e) when (attempt < CommitAttempts && IsStorageFailure(e))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt));
            }
        }
    }

    private static Task WithRetriesAsync(Func<Task> action) =>
        WithRetriesAsync(async () => { await action(); return true; });

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ExperimentId}: pruning rounds before {Round} failed; the next commit retries")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception, string experimentId, int round);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ExperimentId}: could not record the failed status")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string experimentId);
}
