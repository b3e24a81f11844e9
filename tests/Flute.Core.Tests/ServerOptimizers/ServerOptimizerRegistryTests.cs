using Flute.Core.Configuration;
using Flute.Core.ServerOptimizers;

namespace Flute.Core.Tests.ServerOptimizers;

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
        // Act and assert: the config accepts exactly KnownNames.ServerOptimizers, so each must resolve.
        Assert.All(KnownNames.ServerOptimizers, name => Assert.Equal(name, ServerOptimizerRegistry.Create(name, 1, 0).Name));
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
        ServerOptimizerRegistry.Register("test-sgd", options => new SgdServerOptimizer(options.LearningRate * 2));

        // Assert
        var created = Assert.IsType<SgdServerOptimizer>(ServerOptimizerRegistry.Create("test-sgd", 0.5, 0));
        Assert.Equal(1.0, created.LearningRate);
        Assert.Throws<InvalidOperationException>(() => ServerOptimizerRegistry.Register("sgd", _ => created));
    }
}
