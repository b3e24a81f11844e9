using Flute.Core.Aggregation;

namespace Flute.Core.Tests.Aggregation;

public sealed class QFairAggregationTests
{
    [Fact]
    public void Aggregate_DividesTheLossWeightedUpdatesByTheSumOfH()
    {
        // Arrange: q = 1, L = 2 (client learning rate 0.5).
        //   Client 0: F = 2, g = [1, 0] → Δw = L·g = [2, 0], ‖Δw‖² = 4; Δ = F·Δw = [4, 0];
        //             h = q·F^0·‖Δw‖² + L·F = 4 + 4 = 8.
        //   Client 1: F = 1, g = [0, 1] → Δw = [0, 2], ‖Δw‖² = 4; Δ = [0, 2]; h = 4 + 2 = 6.
        //   Aggregate = [4, 2] / 14 = [2/7, 1/7].
        var destination = new float[2];

        // Act
        QFairAggregation.Aggregate([new[] { 1f, 0f }, new[] { 0f, 1f }], [2.0, 1.0], q: 1, lipschitz: 2, destination);

        // Assert
        Assert.Equal([2f / 7, 1f / 7], destination);
    }

    [Fact]
    public void Aggregate_WithQZeroIsThePlainMean()
    {
        // Arrange: q = 0: Δ_k = L·g_k and h_k = L, so Σ L·g_k / (K·L) = mean([1, 0], [0, 1]) = [0.5, 0.5],
        // whatever the losses.
        var destination = new float[2];

        // Act
        QFairAggregation.Aggregate([new[] { 1f, 0f }, new[] { 0f, 1f }], [2.0, 0.0], q: 0, lipschitz: 2, destination);

        // Assert
        Assert.Equal([0.5f, 0.5f], destination);
    }

    [Fact]
    public void ClientTerms_RaiseTheLossToQ()
    {
        // Arrange: q = 2, L = 1, F = 2, g = [1, 0] (‖Δw‖² = 1): weight = L·F² = 4;
        // h = 2·2¹·1 + 1·4 = 8, so alone the step is [4, 0]/8 = [0.5, 0].
        var destination = new float[2];

        // Act
        QFairClientTerms terms = QFairAggregation.ClientTerms(2.0, [1f, 0f], q: 2, lipschitz: 1);
        QFairAggregation.Aggregate([new[] { 1f, 0f }], [2.0], q: 2, lipschitz: 1, destination);

        // Assert
        Assert.Equal(new QFairClientTerms(4, 8), terms);
        Assert.Equal([0.5f, 0f], destination);
    }

    [Fact]
    public void Aggregate_RejectsBadInput()
    {
        // Arrange
        ReadOnlyMemory<float>[] updates = [new[] { 1f, 0f }];
        var destination = new float[2];

        // Act and assert
        Assert.Throws<ArgumentException>(() => QFairAggregation.Aggregate(updates, [1.0, 2.0], 1, 1, destination));
        Assert.Throws<ArgumentException>(() => QFairAggregation.Aggregate(updates, [1.0], 1, 1, new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => QFairAggregation.Aggregate(updates, [-1.0], 1, 1, destination));
        Assert.Throws<ArgumentOutOfRangeException>(() => QFairAggregation.Aggregate(updates, [1.0], -1, 1, destination));
        Assert.Throws<ArgumentOutOfRangeException>(() => QFairAggregation.Aggregate(updates, [1.0], 1, 0, destination));
        // A zero loss with 0 < q < 1 makes q·F^(q−1) infinite.
        Assert.Throws<ArgumentOutOfRangeException>(() => QFairAggregation.Aggregate(updates, [0.0], 0.5, 1, destination));
    }
}
