using Flute.Core.Registry;
using Flute.Core.Strategies;

namespace Flute.Core.Tests.Strategies;

[Collection(Flute.Core.Tests.Registry.RegistryCollection.Name)]
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
    public void EveryRegisteredStrategyIsBuiltUnderItsName()
    {
        Assert.All(StrategyRegistry.Names, name => Assert.Equal(name, StrategyRegistry.Create(name).Name));
    }

    [Fact]
    public void Create_RejectsUnknownNamesListingTheKnownOnes()
    {
        // Act
        ArgumentException error = Assert.Throws<ArgumentException>(() => StrategyRegistry.Create("fedsomething"));

        // Assert
        Assert.StartsWith("unknown strategy 'fedsomething'; registered: fedavg", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Register_AddsAStrategyAndRefusesDuplicates()
    {
        // Act
        Components.Strategies.Register("test-uniform", "Test only.", _ => new FedAvg());
        bool listed = StrategyRegistry.Names.Contains("test-uniform");
        Components.Strategies.Unregister("test-uniform");

        // Assert
        Assert.True(listed);
        Assert.Throws<InvalidOperationException>(() => Components.Strategies.Register("FEDAVG", "Again.", _ => new FedAvg()));
    }
}
