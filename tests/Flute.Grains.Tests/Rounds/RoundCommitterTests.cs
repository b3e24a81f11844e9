using Flute.Core.Persistence;
using Flute.Grains.Rounds;
using Flute.Grains.Storage;
using Flute.Interfaces;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flute.Grains.Tests.Rounds;

/// <summary>The round committer on a real local checkpoint store.</summary>
public sealed class RoundCommitterTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("flute-committer-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private sealed class MemoryState : IPersistentState<ExperimentState>
    {
        public ExperimentState State { get; set; } = new();
        public string? Etag { get; set; }
        public bool RecordExists { get; set; }
        public int Writes { get; private set; }
        public int? CommittingRoundSeen { get; private set; }

        public Task ClearStateAsync() => Task.CompletedTask;

        public Task ReadStateAsync() => Task.CompletedTask;

        public Task WriteStateAsync()
        {
            Writes++;
            CommittingRoundSeen = State.CommittingRound;
            RecordExists = true;
            return Task.CompletedTask;
        }
    }

    private static RoundCommit Commit(int round, byte[]? strategyState) =>
        new(round, ExperimentStatus.Running, 5, round, [1f, 2f, 3f], "sha", [[0.5f]], strategyState,
            [], 0, double.NaN, 0);

    [Fact]
    public async Task Strategy_state_is_committed_with_the_round_and_loaded_back()
    {
        // Arrange
        var state = new MemoryState { State = new ExperimentState { ExperimentId = "s" } };
        var store = new FluteStore(new FluteStorageOptions { Kind = StorageKind.Local, LocalDirectory = _root }, new LocalCheckpointStore(_root), "local");
        var committer = new RoundCommitter(state, store, CrashPoints.None, NullLogger.Instance);

        // Act
        await committer.CommitAsync(Commit(1, [7, 8, 9]));
        LoadedCheckpoint loaded = await committer.LoadKeptRoundAsync("s", 1);

        // Assert
        Assert.Equal([7, 8, 9], loaded.StrategyState);
        Assert.NotNull(state.State.StrategyStateKey);
        Assert.Equal([1f, 2f, 3f], loaded.Weights);
        Assert.Equal(1, state.State.RoundCompleted);
    }

    [Fact]
    public async Task A_stateless_strategy_writes_no_strategy_blob_and_the_commit_write_names_its_round()
    {
        // Arrange
        var state = new MemoryState { State = new ExperimentState { ExperimentId = "n" } };
        var store = new FluteStore(new FluteStorageOptions { Kind = StorageKind.Local, LocalDirectory = _root }, new LocalCheckpointStore(_root), "local");
        var committer = new RoundCommitter(state, store, CrashPoints.None, NullLogger.Instance);

        // Act
        await committer.CommitAsync(Commit(2, null));
        LoadedCheckpoint loaded = await committer.LoadKeptRoundAsync("n", 2);

        // Assert
        Assert.Null(loaded.StrategyState);
        Assert.Null(state.State.StrategyStateKey);
        Assert.Equal(1, state.Writes);
        Assert.Equal(2, state.CommittingRoundSeen);
        Assert.Null(state.State.CommittingRound);
    }
}
