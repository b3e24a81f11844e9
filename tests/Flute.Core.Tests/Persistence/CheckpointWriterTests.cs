using Flute.Core.Persistence;

namespace Flute.Core.Tests.Persistence;

public sealed class CheckpointWriterTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly LocalCheckpointStore _store;

    public CheckpointWriterTests()
    {
        _store = new LocalCheckpointStore(_dir.Path);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task WriteThenLoadLatest_ReturnsTheRoundBitForBit()
    {
        // Arrange
        var writer = new CheckpointWriter(_store);
        RoundSnapshot snapshot = Snapshot(3, strategy: new byte[] { 5, 6 }) with
        {
            Weights = [-0.0f, BitConverter.Int32BitsToSingle(0x7FC00001), 1.5f],
        };

        // Act
        ExperimentCheckpoint written = await writer.WriteAsync(snapshot);
        LoadedCheckpoint? loaded = await writer.LoadLatestAsync("e");

        // Assert
        Assert.NotNull(loaded);
        Assert.Equal(written, loaded.Record);
        Assert.Equal(3, loaded.Record.RoundCompleted);
        Assert.Equal(30, loaded.Record.ModelVersion);
        Assert.Equal(CheckpointCodec.ConfigHash("{\"rounds\":10}"), loaded.Record.ConfigSha256);
        Assert.Equal("experiments/e/rounds/000003/weights.bin", loaded.Record.WeightsKey);
        Assert.Equal("experiments/e/rounds/000003/strategy.bin", loaded.Record.StrategyStateKey);
        Assert.Equal([unchecked((int)0x80000000), 0x7FC00001, 0x3FC00000], Array.ConvertAll(loaded.Weights, BitConverter.SingleToInt32Bits));
        Assert.Equal([[3f, 3f], [-3f]], loaded.OptimizerState);
        Assert.Equal([3], loaded.MetricsHistory);
        Assert.Equal([5, 6], loaded.StrategyState);
    }

    [Fact]
    public async Task LoadLatest_OfAnUnknownExperiment_IsNull()
    {
        Assert.Null(await new CheckpointWriter(_store).LoadLatestAsync("nobody"));
    }

    [Fact]
    public async Task ACrashBeforeTheRecordIsReplaced_LeavesThePreviousRoundLoadable()
    {
        // Arrange: round 1 committed; round 2 dies when it comes to the record.
        await new CheckpointWriter(_store).WriteAsync(Snapshot(1));
        var crashing = new CheckpointWriter(new CrashingStore(_store, "experiments/e/checkpoint"));

        // Act
        await Assert.ThrowsAsync<IOException>(() => crashing.WriteAsync(Snapshot(2)));
        LoadedCheckpoint? loaded = await new CheckpointWriter(_store).LoadLatestAsync("e");

        // Assert: round 2's blobs are on disk, but the commit point still names round 1.
        Assert.True(await _store.ExistsAsync("experiments/e/rounds/000002/weights.bin"));
        Assert.NotNull(loaded);
        Assert.Equal(1, loaded.Record.RoundCompleted);
        Assert.Equal([1f, 1f, 1f], loaded.Weights);
    }

    [Fact]
    public async Task ACrashWhileWritingBlobs_NeverWritesTheRecord()
    {
        // Arrange
        await new CheckpointWriter(_store).WriteAsync(Snapshot(1));
        var crashing = new CheckpointWriter(new CrashingStore(_store, "experiments/e/rounds/000002/optimizer.bin"));

        // Act
        await Assert.ThrowsAsync<IOException>(() => crashing.WriteAsync(Snapshot(2)));

        // Assert
        LoadedCheckpoint? loaded = await new CheckpointWriter(_store).LoadLatestAsync("e");
        Assert.Equal(1, loaded!.Record.RoundCompleted);
    }

    [Fact]
    public async Task Retention_KeepsTheLastKRoundsOnly()
    {
        // Arrange
        var writer = new CheckpointWriter(_store, keepRounds: 2);

        // Act
        for (int round = 1; round <= 4; round++)
        {
            await writer.WriteAsync(Snapshot(round));
        }

        // Assert
        Assert.Equal([3, 4], await writer.ListRoundsAsync("e"));
        List<string> keys = await _store.ListAsync("experiments/e/rounds/").ToListAsync();
        Assert.All(keys, k => Assert.Matches("^experiments/e/rounds/00000[34]/", k));
        Assert.Equal(8, keys.Count);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "experiments", "e", "rounds", "000001")));
        Assert.Null(await writer.LoadRoundAsync("e", 2));
        LoadedCheckpoint? third = await writer.LoadRoundAsync("e", 3);
        Assert.Equal([3f, 3f, 3f], third!.Weights);
    }

    [Fact]
    public async Task ResumingFromAnOlderRound_DropsTheAbandonedLaterRounds()
    {
        // Arrange: rounds 3 and 4 kept; round 4 is rewritten from round 3 (e.g. it was corrupt).
        var writer = new CheckpointWriter(_store, keepRounds: 2);
        for (int round = 1; round <= 4; round++)
        {
            await writer.WriteAsync(Snapshot(round));
        }

        // Act: a branch that commits round 3 again.
        await writer.WriteAsync(Snapshot(3) with { Status = CheckpointStatus.Paused });

        // Assert
        Assert.Equal([3], await writer.ListRoundsAsync("e"));
        Assert.Equal(CheckpointStatus.Paused, (await writer.LoadLatestAsync("e"))!.Record.Status);
    }

    [Fact]
    public async Task ACorruptLatestBlob_IsReportedByFileAndTheOlderRoundStillLoads()
    {
        // Arrange
        var writer = new CheckpointWriter(_store);
        await writer.WriteAsync(Snapshot(1));
        await writer.WriteAsync(Snapshot(2));
        string weights = _store.PathOf("experiments/e/rounds/000002/weights.bin");
        byte[] raw = File.ReadAllBytes(weights);
        raw[^1] ^= 0x80;
        File.WriteAllBytes(weights, raw);

        // Act
        var e = await Assert.ThrowsAsync<CorruptCheckpointException>(() => writer.LoadLatestAsync("e"));
        IReadOnlyList<int> rounds = await writer.ListRoundsAsync("e");
        LoadedCheckpoint? older = await writer.LoadRoundAsync("e", rounds[0]);

        // Assert
        Assert.Equal(CheckpointCorruption.ChecksumMismatch, e.Kind);
        Assert.Contains(weights, e.Message);
        Assert.Equal([1, 2], rounds);
        Assert.Equal(1, older!.Record.RoundCompleted);
    }

    [Fact]
    public async Task AMissingBlob_IsReportedAsMissing()
    {
        // Arrange
        var writer = new CheckpointWriter(_store);
        await writer.WriteAsync(Snapshot(1));
        await _store.DeleteAsync("experiments/e/rounds/000001/metrics.bin");

        // Act
        var e = await Assert.ThrowsAsync<CorruptCheckpointException>(() => writer.LoadLatestAsync("e"));

        // Assert
        Assert.Equal(CheckpointCorruption.Missing, e.Kind);
        Assert.Contains(_store.PathOf("experiments/e/rounds/000001/metrics.bin"), e.Message);
    }

    [Fact]
    public async Task ACorruptRecord_IsReportedByFile()
    {
        // Arrange
        var writer = new CheckpointWriter(_store);
        await writer.WriteAsync(Snapshot(1));
        string record = _store.PathOf("experiments/e/checkpoint");
        using (var stream = new FileStream(record, FileMode.Open))
        {
            stream.SetLength(stream.Length - 1);
        }

        // Act
        var e = await Assert.ThrowsAsync<CorruptCheckpointException>(() => writer.LoadLatestAsync("e"));

        // Assert
        Assert.Equal(CheckpointCorruption.Truncated, e.Kind);
        Assert.Contains(record, e.Message);
        Assert.Equal(1, (await writer.LoadRoundAsync("e", 1))!.Record.RoundCompleted);
    }

    // Round r: weights all r, optimizer state [[r, r], [-r]], metrics [r].
    private static RoundSnapshot Snapshot(int round, byte[]? strategy = null) => new(
        "e", round, round * 10L, CheckpointStatus.Running, "{\"rounds\":10}", "test-build",
        [round, round, round], [[round, round], [-round]], new byte[] { (byte)round },
        strategy, new DateTime(2025, 6, 1, 0, 0, round, DateTimeKind.Utc));

    /// <summary>Passes everything through except a put to one key, which fails as a crash would.</summary>
    private sealed class CrashingStore(ICheckpointStore inner, string crashKey) : ICheckpointStore
    {
        public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
            key == crashKey ? Task.FromException(new IOException($"simulated crash writing {key}")) : inner.PutAsync(key, data, cancellationToken);

        public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => inner.ExistsAsync(key, cancellationToken);

        public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public string Locate(string key) => inner.Locate(key);
    }
}
