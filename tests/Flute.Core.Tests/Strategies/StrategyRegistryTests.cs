using Flute.Core.Configuration;
using Flute.Core.Strategies;

namespace Flute.Core.Tests.Strategies;

public sealed class StrategyRegistryTests
{
    [Theory]
    [InlineData("fedavg")]
    [InlineData("FedAvg")]
    public void Create_FindsFedAvgInAnyCase(string name)
    {
        // Act
        IStrategy strategy = StrategyRegistry.Create(name);

        // Assert
        Assert.IsType<FedAvg>(strategy);
        Assert.True(StrategyRegistry.Contains(name));
    }

    [Fact]
    public void EveryConfigurableStrategyIsRegistered()
    {
        // Act and assert: the config accepts exactly KnownNames.Strategies, so each must resolve.
        Assert.All(KnownNames.Strategies, name => Assert.Equal(name, StrategyRegistry.Create(name).Name));
    }

    [Fact]
    public void Create_RejectsUnknownNamesListingTheKnownOnes()
    {
        // Act
        ArgumentException error = Assert.Throws<ArgumentException>(() => StrategyRegistry.Create("fedsomething"));

        // Assert
        Assert.Contains("fedavg", error.Message);
    }

    [Fact]
    public void Register_AddsAStrategyAndRefusesDuplicates()
    {
        // Act
        StrategyRegistry.Register("test-uniform", () => new FedAvg());

        // Assert
        Assert.Contains("test-uniform", StrategyRegistry.Names);
        Assert.Throws<InvalidOperationException>(() => StrategyRegistry.Register("FEDAVG", () => new FedAvg()));
    }
}
