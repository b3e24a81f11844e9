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
        IServerOptimizer optimizer = ServerOptimizerRegistry.Create("SGD", 0.25, 0.5);

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
        Assert.All(ServerOptimizerRegistry.Names, name => Assert.Equal(name, ServerOptimizerRegistry.Create(name, 1, 0).Name));
    }

    [Fact]
    public void Create_RejectsUnknownNamesListingTheKnownOnes()
    {
        // Act
        ArgumentException error = Assert.Throws<ArgumentException>(() => ServerOptimizerRegistry.Create("adam-ish", 1, 0));

        // Assert
        Assert.Contains("sgd", error.Message);
    }

    [Fact]
    public void Register_AddsAnOptimizerAndRefusesDuplicates()
    {
        // Act
        Components.ServerOptimizers.Register("test-sgd", "Test only.", options => new SgdServerOptimizer(options.LearningRate * 2));
        IServerOptimizer built;
        try
        {
            built = ServerOptimizerRegistry.Create("test-sgd", 0.5, 0);
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
