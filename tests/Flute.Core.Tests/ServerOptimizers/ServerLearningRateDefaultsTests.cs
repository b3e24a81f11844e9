using Flute.Core.Configuration;
using Flute.Core.ServerOptimizers;

namespace Flute.Core.Tests.ServerOptimizers;

/// <summary>server.lr, when a config does not set it, is the server optimizer's own default.</summary>
[Collection(Flute.Core.Tests.Registry.RegistryCollection.Name)]
public sealed class ServerLearningRateDefaultsTests
{
    private const string Yaml = "experiment:\n  rounds: 3\n";

    [Theory]
    [InlineData("sgd", 1.0)]
    [InlineData("adam", 0.01)]
    [InlineData("yogi", 0.01)]
    [InlineData("adagrad", 0.1)]
    public void An_unset_server_lr_is_the_optimizers_default(string optimizer, double expected)
    {
        // Act
        FluteConfig config = ConfigLoader.LoadText(Yaml, "s.yaml", [$"server.optimizer={optimizer}"]);

        // Assert
        Assert.Equal(expected, config.Server.Lr);
        Assert.Equal(expected, ServerOptimizerDefaults.LearningRate(optimizer));
    }

    [Fact]
    public void A_set_server_lr_wins_even_when_it_equals_fedavgs()
    {
        // Act
        FluteConfig config = ConfigLoader.LoadText(Yaml + "server:\n  optimizer: adam\n  lr: 1.0\n", "s.yaml", []);

        // Assert
        Assert.Equal(1.0, config.Server.Lr);
    }

    [Fact]
    public void The_canonical_json_holds_the_rate_used_so_a_silo_or_a_resume_reads_the_same()
    {
        // Arrange
        FluteConfig config = ConfigLoader.LoadText(Yaml, "s.yaml", ["server.optimizer=adagrad"]);

        // Act
        FluteConfig reread = ConfigJson.Deserialize(ConfigJson.Serialize(config));

        // Assert
        Assert.Contains("\"optimizer\":\"adagrad\",\"lr\":0.1,", ConfigJson.Serialize(config));
        Assert.Equal(0.1, reread.Server.Lr);
        Assert.Equal(ConfigJson.Hash(config), ConfigJson.Hash(reread));
    }

    [Fact]
    public void The_default_fedavg_config_is_unchanged()
    {
        // Act: no server.optimizer and no server.lr, as in examples/mnist-lr.yaml and mnist-cnn.yaml.
        FluteConfig config = ConfigLoader.LoadText(Yaml, "s.yaml", []);

        // Assert
        Assert.Equal(ConfigJson.Hash(new FluteConfig { Experiment = { Rounds = 3 } }), ConfigJson.Hash(config));
    }
}
