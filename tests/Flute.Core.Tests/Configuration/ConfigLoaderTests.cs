using Flute.Core.Configuration;

namespace Flute.Core.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    private const string FullYaml = """
        # every key, none at its default
        experiment:
          name: full-run_1
          seed: 18446744073709551615
          rounds: 25
        data:
          dataset: mnist
          partition: dirichlet
          num_clients: 40
          alpha: 0.25
          shards_per_client: 3
          dir: /data/mnist
        model:
          name: mlp
          hidden: 64
        client:
          optimizer: sgd
          lr: 0.05
          batch_size: 16
          local_epochs: 2
          max_samples: 500
        server:
          strategy: fedavg
          optimizer: sgd
          lr: 0.5
          momentum: 0.9
          clients_per_round: 40
          eval_every: 0
          max_in_flight: 12
          max_retries: 0
          eval_batch_size: 256
        silo:
          trainers: 2
          threads_per_trainer: 3
        """;

    [Fact]
    public void Full_config_parses_into_the_written_values()
    {
        // Act
        FluteConfig c = ConfigLoader.LoadText(FullYaml, "full.yaml", []);

        // Assert
        Assert.Equal("full-run_1", c.Experiment.Name);
        Assert.Equal(ulong.MaxValue, c.Experiment.Seed);
        Assert.Equal(25, c.Experiment.Rounds);
        Assert.Equal("mnist", c.Data.Dataset);
        Assert.Equal("dirichlet", c.Data.Partition);
        Assert.Equal(40, c.Data.NumClients);
        Assert.Equal(0.25, c.Data.Alpha);
        Assert.Equal(3, c.Data.ShardsPerClient);
        Assert.Equal("/data/mnist", c.Data.Dir);
        Assert.Equal("mlp", c.Model.Name);
        Assert.Equal(64, c.Model.Hidden);
        Assert.Equal("sgd", c.Client.Optimizer);
        Assert.Equal(0.05, c.Client.Lr);
        Assert.Equal(16, c.Client.BatchSize);
        Assert.Equal(2, c.Client.LocalEpochs);
        Assert.Equal(500, c.Client.MaxSamples);
        Assert.Equal("fedavg", c.Server.Strategy);
        Assert.Equal("sgd", c.Server.Optimizer);
        Assert.Equal(0.5, c.Server.Lr);
        Assert.Equal(0.9, c.Server.Momentum);
        Assert.Equal(40, c.Server.ClientsPerRound);
        Assert.Equal(0, c.Server.EvalEvery);
        Assert.Equal(12, c.Server.MaxInFlight);
        Assert.Equal(0, c.Server.MaxRetries);
        Assert.Equal(256, c.Server.EvalBatchSize);
        Assert.Equal(2, c.Silo.Trainers);
        Assert.Equal(3, c.Silo.ThreadsPerTrainer);
    }

    [Fact]
    public void Keys_not_given_keep_the_property_initializers()
    {
        // Arrange
        var defaults = new FluteConfig();

        // Act
        FluteConfig c = ConfigLoader.LoadText("experiment:\n  rounds: 7\nserver:\n", "min.yaml", []);

        // Assert
        Assert.Equal(7, c.Experiment.Rounds);
        foreach (ConfigKey key in ConfigSchema.Keys.Where(k => k.Path != "experiment.rounds"))
        {
            Assert.Equal(key.GetValue(defaults), key.GetValue(c));
        }
    }

    [Fact]
    public void Overrides_win_over_the_file_and_later_overrides_win_over_earlier()
    {
        // Arrange
        string[] overrides = ["client.lr=0.2", "model.name=cnn", "server.clients_per_round=5", "client.lr=0.3", "experiment.name='quoted-name'"];

        // Act
        FluteConfig c = ConfigLoader.LoadText(FullYaml, "full.yaml", overrides);

        // Assert
        Assert.Equal(0.3, c.Client.Lr);
        Assert.Equal("cnn", c.Model.Name);
        Assert.Equal(5, c.Server.ClientsPerRound);
        Assert.Equal("quoted-name", c.Experiment.Name);
        Assert.Equal(25, c.Experiment.Rounds);
    }

    [Fact]
    public void An_override_can_repair_a_bad_value_in_the_file()
    {
        // Arrange: the file's lr is invalid; only the final value is checked.
        const string yaml = "experiment:\n  rounds: 3\nclient:\n  lr: -1\n";

        // Act
        FluteConfig c = ConfigLoader.LoadText(yaml, "bad.yaml", ["client.lr=1e-3"]);

        // Assert
        Assert.Equal(0.001, c.Client.Lr);
    }

    [Fact]
    public void Required_rounds_may_come_from_an_override_alone()
    {
        // Act
        FluteConfig c = ConfigLoader.LoadText("", "empty.yaml", [" experiment.rounds = 12"]);

        // Assert
        Assert.Equal(12, c.Experiment.Rounds);
    }

    [Fact]
    public void Powerlaw_accepts_a_multiple_of_ten_and_cohort_equal_to_population()
    {
        // Act
        FluteConfig c = ConfigLoader.LoadText(
            "experiment:\n  rounds: 1\ndata:\n  partition: powerlaw\n  num_clients: 30\nserver:\n  clients_per_round: 30\n", "p.yaml", []);

        // Assert
        Assert.Equal(30, c.Data.NumClients);
        Assert.Equal(30, c.Server.ClientsPerRound);
    }

    [Fact]
    public void Load_reads_a_file_from_disk()
    {
        // Arrange
        string path = Path.Combine(Path.GetTempPath(), $"flute-config-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "experiment:\n  rounds: 4\n  seed: 9\n");
        try
        {
            // Act
            FluteConfig c = ConfigLoader.Load(path, ["experiment.seed=10"]);

            // Assert
            Assert.Equal(4, c.Experiment.Rounds);
            Assert.Equal(10UL, c.Experiment.Seed);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Every_example_in_the_repository_loads()
    {
        // Arrange
        string examples = Path.Combine(RepositoryRoot.Find(), "examples");
        // A plug-in example needs Flute.Grains loaded to register its model: PluginTests (Flute.Client.Tests) runs it.
        string[] files = Directory.Exists(examples)
            ? [.. Directory.GetFiles(examples, "*.yaml").Where(f => !File.ReadAllText(f).Contains("\n  plugins:", StringComparison.Ordinal))]
            : [];
        Assert.NotEmpty(files);

        // Act
        var loaded = files.Select(f => ConfigLoader.Load(f, [])).ToList();

        // Assert
        Assert.Equal(files.Length, loaded.Count);
        Assert.All(loaded, c => Assert.True(c.Experiment.Rounds >= 1));
    }
}
