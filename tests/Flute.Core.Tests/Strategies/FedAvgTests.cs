using Flute.Core.Strategies;

namespace Flute.Core.Tests.Strategies;

public sealed class FedAvgTests
{
    [Theory]
    [InlineData(37, 0.5, 37.0)]
    [InlineData(1, 100.0, 1.0)]
    [InlineData(0, 0.1, 0.0)]
    public void ClientWeight_IsTheSampleCountWhateverTheLoss(int samples, double loss, double expected)
    {
        // Arrange
        var strategy = new FedAvg();

        // Act
        double weight = strategy.ClientWeight(new ClientUpdateInfo(samples, loss));

        // Assert
        Assert.Equal(expected, weight);
    }

    [Fact]
    public void FedAvg_FoldsARunningSum()
    {
        // Act
        var strategy = new FedAvg();

        // Assert
        Assert.Equal(AggregatorKind.WeightedSum, strategy.Aggregator);
        Assert.Equal("fedavg", strategy.Name);
        Assert.True(strategy.ConfigureRound(1).IsNone);
        Assert.Null(strategy.ExportState());
    }
}
