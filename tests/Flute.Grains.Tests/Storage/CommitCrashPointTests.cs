using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Flute.Core.Persistence;
using Flute.Grains.Storage;
using Orleans.Storage;

namespace Flute.Grains.Tests.Storage;

/// <summary>
/// The "commit" crash point is checked deep inside the storage write. Two experiments share a silo's
/// storage: the point must fire for the write that commits its round, never for another experiment's
/// write that happens to run while that round is being committed (issue #16: a process-wide
/// "committing round" made experiment a's round-1 write fire b's round-3 point).
/// </summary>
public sealed class CommitCrashPointTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("flute-crash-commit-").FullName;
    private readonly ConcurrentQueue<(int Round, string Phase)> _reached = new();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private CrashPoints RoundThreeCommit() => new(CrashPoints.Parse("3:commit"), (round, phase) => _reached.Enqueue((round, phase)));

    private static GrainState<ExperimentState> Committing(string id, int round) =>
        new(new ExperimentState { ExperimentId = id, RoundCompleted = round, CommittingRound = round });

    [Fact]
    public async Task Local_storage_fires_a_commit_point_only_for_the_experiment_committing_that_round()
    {
        // Arrange: b's commit of round 3 has begun (its blobs are written) before a writes its round-1 commit.
        var storage = new LocalGrainStorage(_root, new JsonStateSerializer(), RoundThreeCommit());
        GrainState<ExperimentState> b = Committing("b", 3);
        GrainState<ExperimentState> a = Committing("a", 1);

        // Act
        await storage.WriteStateAsync("experiment", GrainId.Create("experiment", "a"), a);
        bool firedForA = !_reached.IsEmpty;
        await storage.WriteStateAsync("experiment", GrainId.Create("experiment", "b"), b);

        // Assert
        Assert.False(firedForA, "a's round-1 commit fired the round-3 point");
        Assert.Equal([(3, "commit")], _reached);
    }

    [Fact]
    public async Task Concurrent_commits_fire_once_for_the_round_three_commit()
    {
        // Arrange: ten experiments commit at once, only "e3" at round 3.
        var storage = new LocalGrainStorage(_root, new JsonStateSerializer(), RoundThreeCommit());

        // Act
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            storage.WriteStateAsync("experiment", GrainId.Create("experiment", $"e{i}"), Committing($"e{i}", i))));

        // Assert
        Assert.Equal([(3, "commit")], _reached);
    }

    [Fact]
    public async Task A_state_write_that_is_not_a_commit_fires_nothing()
    {
        // Arrange: a resume rewrites the state of round 3 without committing it.
        var storage = new LocalGrainStorage(_root, new JsonStateSerializer(), RoundThreeCommit());
        var state = new GrainState<ExperimentState>(new ExperimentState { ExperimentId = "r", RoundCompleted = 3 });

        // Act
        await storage.WriteStateAsync("experiment", GrainId.Create("experiment", "r"), state);

        // Assert
        Assert.Empty(_reached);
    }

    [Fact]
    public void Azure_state_serializer_fires_a_commit_point_only_for_its_own_round()
    {
        // Arrange
        var serializer = new FluteGrainStateSerializer(new JsonStateSerializer(), "experiment state", RoundThreeCommit());

        // Act
        serializer.Serialize(Committing("a", 1).State);
        bool firedForA = !_reached.IsEmpty;
        serializer.Serialize(Committing("b", 3).State);

        // Assert
        Assert.False(firedForA);
        Assert.Equal([(3, "commit")], _reached);
    }

    /// <summary>A plain JSON serializer: these tests are about when the crash point fires, not the bytes.</summary>
    private sealed class JsonStateSerializer : IGrainStorageSerializer
    {
        private static readonly JsonSerializerOptions s_options = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

        public BinaryData Serialize<T>(T? input) => BinaryData.FromObjectAsJson(input, s_options);

        public T Deserialize<T>(BinaryData input) => input.ToObjectFromJson<T>(s_options)!;
    }
}
