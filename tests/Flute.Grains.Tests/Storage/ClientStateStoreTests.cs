using Flute.Core.Persistence;
using Flute.Grains.Storage;

namespace Flute.Grains.Tests.Storage;

public sealed class ClientStateStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("flute-client-state-").FullName;

    private const string Cv = ClientStateSlots.ControlVariate;
    private const string Residual = ClientStateSlots.Residual;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    public static TheoryData<string> Stores => ["checkpoint", "memory"];

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Each_slot_has_its_own_versions_and_pruning(string kind)
    {
        var checkpoints = new LocalCheckpointStore(_root);
        IClientStateStore store = kind == "checkpoint" ? new CheckpointClientStateStore(checkpoints) : new MemoryClientStateStore();

        // SCAFFOLD's c_i in rounds 1 and 2; the residual in rounds 1, 2, 3 (so its round-1 version is pruned).
        await store.WriteAsync("e", 9, Cv, 1, new byte[] { 11 });
        await store.WriteAsync("e", 9, Residual, 1, new byte[] { 21 });
        await store.WriteAsync("e", 9, Cv, 2, new byte[] { 12 });
        await store.WriteAsync("e", 9, Residual, 2, new byte[] { 22 });
        await store.WriteAsync("e", 9, Residual, 3, new byte[] { 23 });

        Assert.Equal(new byte[] { 12 }, await store.ReadAsync("e", 9, Cv, 4));
        Assert.Equal(new byte[] { 23 }, await store.ReadAsync("e", 9, Residual, 4));
        Assert.Equal(new byte[] { 22 }, await store.ReadAsync("e", 9, Residual, 3));  // a re-run of round 3
        Assert.Equal(new byte[] { 11 }, await store.ReadAsync("e", 9, Cv, 2));
        Assert.Null(await store.ReadAsync("e", 9, Residual, 1));
        if (kind == "checkpoint")
        {
            var keys = new List<string>();
            await foreach (string key in checkpoints.ListAsync("experiments/e/clients/")) keys.Add(key);
            Assert.Equal(["experiments/e/clients/9/r1.bin", "experiments/e/clients/9/r2.bin",
                          "experiments/e/clients/9/residual.r2.bin", "experiments/e/clients/9/residual.r3.bin"], keys.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task A_client_reads_the_newest_state_written_before_the_round_it_trains()
    {
        var store = new CheckpointClientStateStore(new LocalCheckpointStore(_root));

        await store.WriteAsync("e", 42, Cv, 3, new byte[] { 3 });
        await store.WriteAsync("e", 42, Cv, 7, new byte[] { 7 });

        Assert.Null(await store.ReadAsync("e", 42, Cv, 3));          // nothing before round 3
        Assert.Equal(new byte[] { 3 }, await store.ReadAsync("e", 42, Cv, 4));
        Assert.Equal(new byte[] { 3 }, await store.ReadAsync("e", 42, Cv, 7)); // round 7's own write is not "before 7"
        Assert.Equal(new byte[] { 7 }, await store.ReadAsync("e", 42, Cv, 8));
        Assert.Null(await store.ReadAsync("e", 43, Cv, 8));          // another client
        Assert.Null(await store.ReadAsync("f", 42, Cv, 8));          // another experiment
    }

    [Fact]
    public async Task A_round_rerun_after_a_crash_replaces_its_own_write_and_old_versions_are_pruned()
    {
        var checkpoints = new LocalCheckpointStore(_root);
        var store = new CheckpointClientStateStore(checkpoints);

        await store.WriteAsync("e", 5, Cv, 1, new byte[] { 1 });
        await store.WriteAsync("e", 5, Cv, 2, new byte[] { 2 });
        await store.WriteAsync("e", 5, Cv, 3, new byte[] { 0xBA, 0xD });   // round 3 crashed before its commit...
        await store.WriteAsync("e", 5, Cv, 3, new byte[] { 3 });           // ...and ran again

        Assert.Equal(new byte[] { 3 }, await store.ReadAsync("e", 5, Cv, 4));
        var keys = new List<string>();
        await foreach (string key in checkpoints.ListAsync("experiments/e/clients/")) keys.Add(key);
        Assert.Equal(["experiments/e/clients/5/r2.bin", "experiments/e/clients/5/r3.bin"], keys.Order());
        // On disk, the client directory is sharded.
        Assert.Contains($"{Path.DirectorySeparatorChar}clients{Path.DirectorySeparatorChar}", checkpoints.PathOf("experiments/e/clients/5/r3.bin"));
        Assert.DoesNotContain($"clients{Path.DirectorySeparatorChar}5{Path.DirectorySeparatorChar}", checkpoints.PathOf("experiments/e/clients/5/r3.bin"));
    }
}
