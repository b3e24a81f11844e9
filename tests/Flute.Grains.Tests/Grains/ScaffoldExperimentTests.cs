using Flute.Core.Configuration;
using Flute.Core.Data.Mnist;
using Flute.Grains.Hosting;
using Flute.Grains.Storage;
using Flute.Interfaces;
using Orleans.TestingHost;

namespace Flute.Grains.Tests.Grains;

/// <summary>
/// SCAFFOLD end to end on real in-process clusters: client control variates in the client state store
/// (the local store, and the silo's memory with storage none), c committed with the round and published
/// with the model version. A run is a function of (config, seed): resumed, repeated, or trained on one
/// trainer instead of two, it ends with the same model bits.
/// </summary>
public sealed class ScaffoldExperimentTests : IAsyncLifetime
{
    private const int Rounds = 4;
    private readonly string _storeDir = Directory.CreateTempSubdirectory("flute-scaffold-store-").FullName;
    private InProcessTestCluster _local = null!;
    private InProcessTestCluster _memory = null!;
    private string _dataDir = "";

    public async Task InitializeAsync()
    {
        _dataDir = MnistFetcher.Ensure(null, TextWriter.Null).Directory;
        _local = await StartAsync(trainers: 2, new FluteStorageOptions { Kind = StorageKind.Local, LocalDirectory = _storeDir });
        _memory = await StartAsync(trainers: 1, new FluteStorageOptions { Kind = StorageKind.None });
    }

    public async Task DisposeAsync()
    {
        await _local.DisposeAsync();
        await _memory.DisposeAsync();
        Directory.Delete(_storeDir, recursive: true);
    }

    private static async Task<InProcessTestCluster> StartAsync(int trainers, FluteStorageOptions storage)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddFlute(o =>
            {
                o.Trainers = trainers;
                o.ThreadsPerTrainer = 1;
            });
            silo.AddFluteStorage(storage);
        });
        InProcessTestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private static FluteConfig Config(string strategy, int rounds = Rounds)
    {
        // Few clients, so most are sampled again and train with a control variate of their own.
        FluteConfig config = ClusterFixture.SmallConfig(seed: 17, rounds: rounds);
        config.Data.NumClients = 8;
        config.Server.Strategy = strategy;
        return config;
    }

    [Fact]
    public async Task Resumed_repeated_and_one_trainer_runs_end_with_the_straight_runs_model()
    {
        // Arrange
        FluteConfig scaffold = Config("scaffold");

        // Act: a straight run; the same again; the first half, then a resume to the end (the middle
        // round's c from the checkpoint, every c_i from the store); storage none on one trainer; FedAvg.
        var (straight, rounds) = await ClusterFixture.RunToEndAsync(_local.Client, "scaffold-straight", scaffold, _dataDir);
        var (again, _) = await ClusterFixture.RunToEndAsync(_local.Client, "scaffold-again", scaffold, _dataDir);
        var (half, _) = await ClusterFixture.RunToEndAsync(_local.Client, "scaffold-split", Config("scaffold", Rounds / 2), _dataDir);
        ExperimentProgress resumed = await ResumeToEndAsync("scaffold-split", scaffold);
        var (oneTrainer, _) = await ClusterFixture.RunToEndAsync(_memory.Client, "scaffold-memory", scaffold, _dataDir);
        var (fedAvg, _) = await ClusterFixture.RunToEndAsync(_local.Client, "scaffold-fedavg", Config("fedavg"), _dataDir);

        // Assert
        Assert.True(straight.Status == ExperimentStatus.Finished, straight.Error);
        // Round 0 is the initial model's evaluation; every trained round folded its five clients.
        Assert.Equal(Enumerable.Range(0, Rounds + 1), rounds.Select(r => r.Round));
        Assert.All(rounds.Where(r => r.Round > 0), r => Assert.Equal(5, r.Clients));
        Assert.Equal(Rounds / 2, half.RoundsCompleted);
        Assert.Equal(ExperimentStatus.Finished, resumed.Status);
        Assert.Equal(straight.ModelSha256, again.ModelSha256);
        Assert.Equal(straight.ModelSha256, resumed.ModelSha256);
        Assert.Equal(straight.ModelSha256, oneTrainer.ModelSha256);
        Assert.NotEqual(fedAvg.ModelSha256, straight.ModelSha256);
        // The control variates were really written: one state per client that trained, on disk.
        string clients = Path.Combine(_storeDir, "experiments", "scaffold-straight");
        Assert.NotEmpty(Directory.EnumerateFiles(clients, "r*.bin", SearchOption.AllDirectories));
    }

    private async Task<ExperimentProgress> ResumeToEndAsync(string id, FluteConfig config)
    {
        var grain = _local.Client.GetGrain<IExperimentGrain>(id);
        await grain.ResumeAsync(new ResumeRequest(new ExperimentSpec(id, ConfigJson.Serialize(config), _dataDir), Rounds, [], null, 0));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (true)
        {
            ExperimentProgress progress = await grain.GetProgressAsync(int.MaxValue);
            if (progress.Status is ExperimentStatus.Finished or ExperimentStatus.Failed) return progress;
            await Task.Delay(20, timeout.Token);
        }
    }
}
