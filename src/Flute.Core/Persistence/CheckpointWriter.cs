namespace Flute.Core.Persistence;

/// <summary>
/// Commits one round's checkpoint in a crash-safe order and reads committed rounds back.
/// Blobs go first (<c>experiments/&lt;id&gt;/rounds/&lt;round&gt;/{weights,optimizer,metrics,strategy}.bin</c>
/// and a copy of the record as <c>.../checkpoint</c>), the record under <c>experiments/&lt;id&gt;/checkpoint</c>
/// last: replacing that one blob is the commit. A crash before it leaves the previous record, whose blobs
/// are untouched; a crash after it leaves a record whose blobs are all durable. Only then are rounds
/// beyond the last <see cref="KeepRounds"/> deleted, so the previous round stays loadable with
/// <see cref="LoadRoundAsync"/> if the latest turns out corrupt.
/// </summary>
/// <remarks>
/// One writer per experiment (hold an <see cref="ExperimentLock"/>). A round's blobs are replaced in place
/// when the same round is written again (e.g. to record a pause), so rewrite a round only with the same
/// values and a new status.
/// </remarks>
public sealed class CheckpointWriter
{
    /// <summary>The default number of rounds whose blobs are kept.</summary>
    public const int DefaultKeepRounds = 2;

    private const string WeightsName = "weights.bin";
    private const string OptimizerName = "optimizer.bin";
    private const string MetricsName = "metrics.bin";
    private const string StrategyName = "strategy.bin";
    private const string RecordName = "checkpoint";

    private readonly ICheckpointStore _store;

    /// <summary>Writes to <paramref name="store"/>, keeping the blobs of the last <paramref name="keepRounds"/> rounds.</summary>
    public CheckpointWriter(ICheckpointStore store, int keepRounds = DefaultKeepRounds)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(keepRounds, 1);
        _store = store;
        KeepRounds = keepRounds;
    }

    /// <summary>How many rounds' blobs are kept (the latest included).</summary>
    public int KeepRounds { get; }

    /// <summary>
    /// Writes the round's blobs, then commits its record, then deletes the blobs of rounds no longer
    /// kept (and of rounds after this one: an abandoned branch). Returns the committed record.
    /// </summary>
    public async Task<ExperimentCheckpoint> WriteAsync(RoundSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ExperimentCheckpoint record = await WriteRoundAsync(snapshot, cancellationToken);

        // The commit point: everything the new record names is durable by now.
        await _store.PutAsync(CheckpointKeys.Record(record.ExperimentId), CheckpointCodec.EncodeRecord(record), cancellationToken);

        try
        {
            await PruneAsync(record.ExperimentId, record.RoundCompleted, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The round is committed; blobs left behind now are deleted by the next round's clean-up.
        }
        return record;
    }

    /// <summary>
    /// Writes one round's blobs and its record copy (<c>.../rounds/&lt;round&gt;/checkpoint</c>) and
    /// returns the record, without committing anything: the caller commits by storing a reference to
    /// the round (the experiment grain's state), then calls <see cref="PruneAsync"/>. A crash before
    /// the caller's commit leaves blobs that no committed state names; they are overwritten when the
    /// round is run again, or pruned.
    /// </summary>
    public async Task<ExperimentCheckpoint> WriteRoundAsync(RoundSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        (ExperimentCheckpoint record, byte[] recordBytes) = Describe(snapshot);
        // All in parallel (each put is atomic and durable on its own): nothing names this round until
        // the caller's commit, so the order among its own blobs does not matter, and one round of
        // fsync latency instead of two is what a small model's round can afford.
        var blobs = new List<Task>
        {
            _store.PutAsync(record.WeightsKey, CheckpointCodec.EncodeFloats(snapshot.Weights), cancellationToken),
            _store.PutAsync(record.OptimizerStateKey, CheckpointCodec.EncodeFloatArrays(snapshot.OptimizerState), cancellationToken),
            _store.PutAsync(record.MetricsKey, snapshot.MetricsHistory, cancellationToken),
            _store.PutAsync(CheckpointKeys.RoundBlob(snapshot.ExperimentId, snapshot.RoundCompleted, RecordName), recordBytes, cancellationToken),
        };
        if (record.StrategyStateKey is not null)
        {
            blobs.Add(_store.PutAsync(record.StrategyStateKey, snapshot.StrategyState, cancellationToken));
        }
        await Task.WhenAll(blobs);
        return record;
    }

    /// <summary>
    /// Deletes the blobs of every round except the latest <see cref="KeepRounds"/> up to
    /// <paramref name="committedRound"/> and those <paramref name="keep"/> protects (snapshots, the best
    /// model); rounds after <paramref name="committedRound"/> (an abandoned branch, or blobs of a round
    /// that crashed before its commit) are deleted too. Call only after <paramref name="committedRound"/>
    /// is committed. With <paramref name="deleteLaterRounds"/> false, rounds after it are left alone (so a
    /// prune may run while the next round is being written).
    /// </summary>
    public async Task PruneAsync(string experimentId, int committedRound, Func<int, bool>? keep = null, CancellationToken cancellationToken = default, bool deleteLaterRounds = true)
    {
        string prefix = CheckpointKeys.RoundsPrefix(experimentId);
        var byRound = new Dictionary<int, List<string>>();
        await foreach (string key in _store.ListAsync(prefix, cancellationToken))
        {
            string folder = key[prefix.Length..].Split('/')[0];
            if (CheckpointKeys.TryParseRoundFolder(folder, out int r))
            {
                (byRound.TryGetValue(r, out List<string>? keys) ? keys : byRound[r] = []).Add(key);
            }
        }
        var kept = byRound.Keys.Where(r => r <= committedRound).OrderDescending().Take(KeepRounds).ToHashSet();
        foreach ((int r, List<string> keys) in byRound)
        {
            if (kept.Contains(r) || (r <= committedRound && keep is not null && keep(r)) || (r > committedRound && !deleteLaterRounds))
            {
                continue;
            }
            foreach (string key in keys)
            {
                await _store.DeleteAsync(key, cancellationToken);
            }
        }
    }

    private static (ExperimentCheckpoint Record, byte[] Bytes) Describe(RoundSnapshot snapshot)
    {
        string id = snapshot.ExperimentId;
        int round = snapshot.RoundCompleted;
        string? strategyKey = snapshot.StrategyState is null ? null : CheckpointKeys.RoundBlob(id, round, StrategyName);
        var record = new ExperimentCheckpoint(
            CheckpointCodec.RecordFormatVersion, id, round, snapshot.ModelVersion, snapshot.Status,
            snapshot.ConfigJson, CheckpointCodec.ConfigHash(snapshot.ConfigJson), snapshot.BuildVersion,
            CheckpointKeys.RoundBlob(id, round, MetricsName),
            CheckpointKeys.RoundBlob(id, round, WeightsName),
            CheckpointKeys.RoundBlob(id, round, OptimizerName),
            strategyKey,
            snapshot.CreatedAtUtc);
        return (record, CheckpointCodec.EncodeRecord(record));
    }

    /// <summary>The latest committed round with its verified blobs, or null if the experiment has none.</summary>
    /// <exception cref="CorruptCheckpointException">The record or a blob it names is corrupt or missing (try <see cref="LoadRoundAsync"/> with an older round from <see cref="ListRoundsAsync"/>).</exception>
    public Task<LoadedCheckpoint?> LoadLatestAsync(string experimentId, CancellationToken cancellationToken = default) =>
        LoadAsync(experimentId, CheckpointKeys.Record(experimentId), cancellationToken);

    /// <summary>A kept round with its verified blobs, or null if that round is not kept.</summary>
    /// <exception cref="CorruptCheckpointException">The round's record or a blob is corrupt or missing.</exception>
    public Task<LoadedCheckpoint?> LoadRoundAsync(string experimentId, int round, CancellationToken cancellationToken = default) =>
        LoadAsync(experimentId, CheckpointKeys.RoundBlob(experimentId, round, RecordName), cancellationToken);

    /// <summary>The rounds whose record copy is kept, ascending (candidates for <see cref="LoadRoundAsync"/>).</summary>
    public async Task<IReadOnlyList<int>> ListRoundsAsync(string experimentId, CancellationToken cancellationToken = default)
    {
        string prefix = CheckpointKeys.RoundsPrefix(experimentId);
        var rounds = new SortedSet<int>();
        await foreach (string key in _store.ListAsync(prefix, cancellationToken))
        {
            string[] rest = key[prefix.Length..].Split('/');
            if (rest is [string folder, RecordName] && CheckpointKeys.TryParseRoundFolder(folder, out int round))
            {
                rounds.Add(round);
            }
        }
        return [.. rounds];
    }

    private async Task<LoadedCheckpoint?> LoadAsync(string experimentId, string recordKey, CancellationToken cancellationToken)
    {
        byte[]? recordBytes = await _store.GetAsync(recordKey, cancellationToken);
        if (recordBytes is null)
        {
            return null;
        }
        ExperimentCheckpoint record;
        try
        {
            record = CheckpointCodec.DecodeRecord(recordBytes);
        }
        catch (FormatException e)
        {
            throw Corrupt(recordKey, CheckpointCorruption.BadContent, e.Message, e);
        }
        if (record.ExperimentId != experimentId)
        {
            throw Corrupt(recordKey, CheckpointCorruption.BadContent, $"it belongs to experiment '{record.ExperimentId}', not '{experimentId}'");
        }

        byte[] weights = await GetRequiredAsync(record.WeightsKey, cancellationToken);
        byte[] optimizer = await GetRequiredAsync(record.OptimizerStateKey, cancellationToken);
        byte[] metrics = await GetRequiredAsync(record.MetricsKey, cancellationToken);
        byte[]? strategy = record.StrategyStateKey is null ? null : await GetRequiredAsync(record.StrategyStateKey, cancellationToken);
        return new LoadedCheckpoint(
            record,
            Decode(record.WeightsKey, weights, static b => CheckpointCodec.DecodeFloats(b)),
            Decode(record.OptimizerStateKey, optimizer, static b => CheckpointCodec.DecodeFloatArrays(b)),
            metrics,
            strategy);
    }

    private async Task<byte[]> GetRequiredAsync(string key, CancellationToken cancellationToken) =>
        await _store.GetAsync(key, cancellationToken)
        ?? throw Corrupt(key, CheckpointCorruption.Missing, "the checkpoint record refers to it but it does not exist");

    private T Decode<T>(string key, byte[] bytes, Func<byte[], T> decode)
    {
        try
        {
            return decode(bytes);
        }
        catch (FormatException e)
        {
            throw Corrupt(key, CheckpointCorruption.BadContent, e.Message, e);
        }
    }

    private CorruptCheckpointException Corrupt(string key, CheckpointCorruption kind, string detail, Exception? inner = null) =>
        new(key, _store.Locate(key), kind, detail.TrimEnd('.'), inner);
}
