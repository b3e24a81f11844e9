using Flute.Core.Aggregation;

namespace Flute.Core.Tests.Aggregation;

public sealed class StaleUpdateSelectionTests
{
    [Fact]
    public void IsDeferred_NeverAtZeroAndAlwaysAtOne()
    {
        // Act and assert
        for (long client = 0; client < 1000; client++)
        {
            Assert.False(StaleUpdateSelection.IsDeferred(seed: 1, round: 4, client, staleProbability: 0));
            Assert.True(StaleUpdateSelection.IsDeferred(seed: 1, round: 4, client, staleProbability: 1));
        }
    }

    [Fact]
    public void IsDeferred_DefersAboutTheGivenFractionReproducibly()
    {
        // Arrange: 20,000 Bernoulli(0.3) draws have standard deviation √(0.3·0.7/20000) ≈ 0.0032; ±0.015 is
        // more than four of them.
        const int Clients = 20_000;

        // Act
        int deferred = Enumerable.Range(0, Clients).Count(c => StaleUpdateSelection.IsDeferred(7, 2, c, 0.3));
        int again = Enumerable.Range(0, Clients).Count(c => StaleUpdateSelection.IsDeferred(7, 2, c, 0.3));
        int otherRound = Enumerable.Range(0, Clients).Count(c => StaleUpdateSelection.IsDeferred(7, 3, c, 0.3) != StaleUpdateSelection.IsDeferred(7, 2, c, 0.3));

        // Assert
        Assert.InRange(deferred / (double)Clients, 0.285, 0.315);
        Assert.Equal(deferred, again);
        Assert.True(otherRound > 0);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    [InlineData(double.NaN)]
    public void IsDeferred_RejectsAProbabilityOutsideZeroToOne(double p)
    {
        // Act and assert
        Assert.Throws<ArgumentOutOfRangeException>(() => StaleUpdateSelection.IsDeferred(1, 1, 1, p));
    }
}
