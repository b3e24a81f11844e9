using Flute.Core.Aggregation.Robust;

namespace Flute.Core.Tests.Aggregation.Robust;

public sealed class CoordinateWiseTrimmedMeanTests
{
    private static readonly ReadOnlyMemory<float>[] Updates =
        [new[] { 1f, 5f, -1f }, new[] { 3f, -2f, 0f }, new[] { 2f, 100f, 4f }, new[] { -10f, 0f, 2f }, new[] { 4f, 1f, 3f }];

    [Theory]
    // n = 5. β 0.2 or 0.3: ⌊1⌋ = ⌊1.5⌋ = 1 dropped at each end. Sorted per coordinate:
    //   [−10, 1, 2, 3, 4] → (1 + 2 + 3)/3 = 2; [−2, 0, 1, 5, 100] → (0 + 1 + 5)/3 = 2; [−1, 0, 2, 3, 4] → 5/3.
    [InlineData(0.2, 2f, 2f, 5f / 3)]
    [InlineData(0.3, 2f, 2f, 5f / 3)]
    // β 0.4: 2 dropped at each end leaves the median: [2, 1, 2].
    [InlineData(0.4, 2f, 1f, 2f)]
    // β 0: the plain mean: (1 + 3 + 2 − 10 + 4)/5 = 0; (5 − 2 + 100 + 0 + 1)/5 = 20.8; (−1 + 0 + 4 + 2 + 3)/5 = 1.6.
    [InlineData(0.0, 0f, 20.8f, 1.6f)]
    public void Aggregate_DropsTheFloorOfBetaTimesNFromEachEnd(double beta, float x, float y, float z)
    {
        // Arrange
        var trimmedMean = new CoordinateWiseTrimmedMean(beta);
        var destination = new float[3];

        // Act
        trimmedMean.Aggregate(Updates, destination);

        // Assert
        Assert.Equal([x, y, z], destination);
    }

    [Theory]
    [InlineData(0.29, 100, 29)]
    [InlineData(0.1, 10, 1)]
    [InlineData(0.1, 9, 0)]
    [InlineData(0.25, 10, 2)]
    public void TrimCount_IsTheFloorOfTheDecimalProduct(double beta, int count, int expected)
    {
        // Act and assert: 0.29 · 100 is 28.999999999999996 in binary floating point; β means 29.
        Assert.Equal(expected, new CoordinateWiseTrimmedMean(beta).TrimCount(count));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    public void Constructor_RejectsATrimFractionOutsideZeroToOneHalf(double beta)
    {
        // Act and assert
        Assert.Throws<ArgumentOutOfRangeException>(() => new CoordinateWiseTrimmedMean(beta));
    }

    [Fact]
    public void Aggregate_RejectsATrimThatKeepsNothing()
    {
        // Arrange: β just below 0.5 with n = 2: β·n + slack reaches 1, so one value goes from each end.
        var trimmedMean = new CoordinateWiseTrimmedMean(0.4999999999999);

        // Act
        var error = Assert.Throws<ArgumentException>(() => trimmedMean.Aggregate([new[] { 1f }, new[] { 2f }], new float[1]));

        // Assert
        Assert.Contains("keeps none", error.Message);
    }

    [Fact]
    public void Aggregate_WithBetaNearOneHalfKeepsTheMiddleForEveryCount()
    {
        // Arrange: the values 0..n−1 are symmetric around (n − 1)/2, so any symmetric trim averages to it.
        var trimmedMean = new CoordinateWiseTrimmedMean(0.49);

        for (int n = 1; n <= 60; n++)
        {
            var updates = Enumerable.Range(0, n).Select(i => (ReadOnlyMemory<float>)new[] { (float)i }).ToArray();
            var destination = new float[1];

            // Act
            trimmedMean.Aggregate(updates, destination);

            // Assert
            Assert.Equal((n - 1) / 2f, destination[0]);
        }
    }
}
