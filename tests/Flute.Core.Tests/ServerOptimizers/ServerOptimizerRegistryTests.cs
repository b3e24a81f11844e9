using Flute.Core.Configuration;
using Flute.Core.Registry;
using Flute.Core.ServerOptimizers;

namespace Flute.Core.Tests.ServerOptimizers;

[Collection(Flute.Core.Tests.Registry.RegistryCollection.Name)]
public sealed class ServerOptimizerRegistryTests
{
    [Fact]
    public void Create_BuildsSgdWithTheGivenHyperParameters()
    {
        // Act
        IServerOptimizer optimizer = ServerOptimizerRegistry.Create("SGD", new ServerOptimizerOptions(0.25, 0.5));

        // Assert
        SgdServerOptimizer sgd = Assert.IsType<SgdServerOptimizer>(optimizer);
        Assert.Equal(0.25, sgd.LearningRate);
        Assert.Equal(0.5, sgd.Momentum);
        Assert.Equal("sgd", sgd.Name);
    }

    [Fact]
    public void EveryConfigurableOptimizerIsRegistered()
    {
        // Act and assert: the config accepts exactly the registered names, so each must resolve.
        Assert.Equal(["sgd", "adam", "yogi", "adagrad"], ServerOptimizerRegistry.Names);
        Assert.All(ServerOptimizerRegistry.Names, name => Assert.Equal(name, ServerOptimizerRegistry.Create(name, new ServerOptimizerOptions()).Name));
    }

    [Theory]
    [InlineData("adam", typeof(AdamServerOptimizer))]
    [InlineData("yogi", typeof(YogiServerOptimizer))]
    [InlineData("adagrad", typeof(AdagradServerOptimizer))]
    public void Create_FromConfig_PassesEveryServerHyperParameterToTheAdaptiveOptimizers(string name, Type type)
    {
        // Arrange
        FluteConfig config = ConfigLoader.LoadText("experiment:\n  rounds: 3\n", "s.yaml",
            [$"server.optimizer={name}", "server.lr=0.02", "server.beta1=0.5", "server.beta2=0.75", "server.tau=0.25"]);

        // Act
        IServerOptimizer optimizer = ServerOptimizerRegistry.Create(config);

        // Assert
        Assert.IsType(type, optimizer);
        Assert.Equal(new AdaptiveOptimizerOptions(0.02, 0.5, 0.75, 0.25), ((AdaptiveServerOptimizer)optimizer).Options);
    }

    [Fact]
    public void Create_FromConfig_PassesLearningRateAndMomentumToSgd()
    {
        // Arrange
        FluteConfig config = ConfigLoader.LoadText("experiment:\n  rounds: 3\nserver:\n  lr: 0.5\n  momentum: 0.9\n", "s.yaml", []);

        // Act
        var sgd = Assert.IsType<SgdServerOptimizer>(ServerOptimizerRegistry.Create(config));

        // Assert
        Assert.Equal((0.5, 0.9), (sgd.LearningRate, sgd.Momentum));
    }

    [Fact]
    public void Create_RejectsUnknownNamesListingTheKnownOnes()
    {
        // Act
        ArgumentException error = Assert.Throws<ArgumentException>(() => ServerOptimizerRegistry.Create("adam-ish", new ServerOptimizerOptions()));

        // Assert
        Assert.Equal("unknown server optimizer 'adam-ish'; registered: sgd, adam, yogi, adagrad (Parameter 'name')", error.Message);
    }

    [Fact]
    public void Register_AddsAnOptimizerAndRefusesDuplicates()
    {
        // Act
        Components.ServerOptimizers.Register("test-sgd", "Test only.", options => new SgdServerOptimizer(options.LearningRate * 2));
        IServerOptimizer built;
        try
        {
            built = ServerOptimizerRegistry.Create("test-sgd", new ServerOptimizerOptions(0.5));
        }
        finally
        {
            Components.ServerOptimizers.Unregister("test-sgd");
        }

        // Assert
        var created = Assert.IsType<SgdServerOptimizer>(built);
        Assert.Equal(1.0, created.LearningRate);
        Assert.Throws<InvalidOperationException>(() => Components.ServerOptimizers.Register("sgd", "Again.", _ => created));
    }
}
