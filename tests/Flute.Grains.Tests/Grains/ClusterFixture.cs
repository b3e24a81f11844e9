using Flute.Core.Configuration;
using Flute.Core.Data.Mnist;
using Flute.Grains.Hosting;
using Flute.Grains.Runtime;
using Flute.Grains.Storage;
using Flute.Interfaces;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Flute.Grains.Tests.Grains;

/// <summary>A real in-process Orleans cluster (one silo, two trainers) with Flute's grains, on real MNIST.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;
    public ClientActivity Activity { get; } = new();
    public FlakyClientFilter Flaky { get; } = new();
    public string DataDir { get; private set; } = "";

    /// <summary>The silo's local store (a fresh temporary directory): every experiment here commits its rounds for real.</summary>
    public string StoreDir { get; } = Directory.CreateTempSubdirectory("flute-cluster-store-").FullName;

    public async Task InitializeAsync()
    {
        DataDir = MnistFetcher.Ensure(null, TextWriter.Null).Directory;
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddFlute(o =>
            {
                o.Trainers = 2;
                o.ThreadsPerTrainer = 1;
            });
            silo.AddFluteStorage(new FluteStorageOptions { Kind = StorageKind.Local, LocalDirectory = StoreDir });
            silo.Services.AddSingleton(Activity);
            silo.AddIncomingGrainCallFilter(Flaky);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Directory.Delete(StoreDir, recursive: true);
    }

    /// <summary>Starts an experiment and polls it until it ends; returns every round's metrics.</summary>
    public Task<(ExperimentProgress Final, List<RoundMetrics> Rounds)> RunAsync(string id, FluteConfig config) =>
        RunToEndAsync(Cluster.Client, id, config, DataDir);

    /// <summary>Starts an experiment on any cluster and polls it until it finishes or fails (3 minutes at most).</summary>
    public static async Task<(ExperimentProgress Final, List<RoundMetrics> Rounds)> RunToEndAsync(IGrainFactory grains, string id, FluteConfig config, string dataDir)
    {
        var grain = grains.GetGrain<IExperimentGrain>(id);
        await grain.StartAsync(new ExperimentSpec(id, ConfigJson.Serialize(config), dataDir));
        var rounds = new List<RoundMetrics>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (true)
        {
            var progress = await grain.GetProgressAsync(rounds.Count);
            rounds.AddRange(progress.NewRounds);
            if (progress.Status is ExperimentStatus.Finished or ExperimentStatus.Failed) return (progress, rounds);
            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>Resumes a stopped experiment to <paramref name="totalRounds"/> and polls it until it finishes or fails (3 minutes at most); the progress holds every round.</summary>
    public async Task<ExperimentProgress> ResumeToEndAsync(string id, FluteConfig config, int totalRounds)
    {
        var grain = Cluster.Client.GetGrain<IExperimentGrain>(id);
        await grain.ResumeAsync(new ResumeRequest(new ExperimentSpec(id, ConfigJson.Serialize(config), DataDir), totalRounds, [], null, 0));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (true)
        {
            await Task.Delay(20, timeout.Token);
            ExperimentProgress progress = await grain.GetProgressAsync(0);
            if (progress.Status is ExperimentStatus.Finished or ExperimentStatus.Failed) return progress;
        }
    }

    public static FluteConfig SmallConfig(ulong seed = 7, int rounds = 3)
    {
        var config = ConfigLoader.LoadText($"""
            experiment:
              name: small
              seed: {seed}
              rounds: {rounds}
            data:
              dataset: mnist
              partition: iid
              num_clients: 40
            model:
              name: logreg
            client:
              lr: 0.05
              batch_size: 16
              local_epochs: 1
              max_samples: 64
            server:
              clients_per_round: 5
              eval_every: 1
            """, "small.yaml", []);
        return config;
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
