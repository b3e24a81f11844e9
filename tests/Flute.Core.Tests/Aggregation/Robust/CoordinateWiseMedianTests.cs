using Flute.Core.Aggregation.Robust;
using Flute.Core.Randomness;

namespace Flute.Core.Tests.Aggregation.Robust;

public sealed class CoordinateWiseMedianTests
{
    private static readonly float[][] Updates = [[1f, 5f, -1f], [3f, -2f, 0f], [2f, 100f, 4f], [-10f, 0f, 2f]];

    [Fact]
    public void Aggregate_WithAnOddCountTakesTheMiddleValue()
    {
        // Arrange: the first three updates. Sorted per coordinate: [1, 2, 3], [−2, 5, 100], [−1, 0, 4]
        // → medians [2, 5, 0].
        var median = new CoordinateWiseMedian();
        var destination = new float[3];

        // Act
        median.Aggregate([Updates[0], Updates[1], Updates[2]], destination);

        // Assert
        Assert.Equal([2f, 5f, 0f], destination);
    }

    [Fact]
    public void Aggregate_WithAnEvenCountAveragesTheTwoMiddleValues()
    {
        // Arrange: sorted per coordinate: [−10, 1, 2, 3] → (1 + 2)/2 = 1.5; [−2, 0, 5, 100] → (0 + 5)/2
        // = 2.5; [−1, 0, 2, 4] → (0 + 2)/2 = 1. The outliers −10 and 100 do not move the result.
        var median = new CoordinateWiseMedian();
        var destination = new float[3];

        // Act
        median.Aggregate([.. Updates.Select(u => (ReadOnlyMemory<float>)u)], destination);

        // Assert
        Assert.Equal([1.5f, 2.5f, 1f], destination);
    }

    [Fact]
    public void Aggregate_MatchesAPerCoordinateMedianAcrossBlockBoundaries()
    {
        // Arrange: 7 updates of 600 values (three blocks of up to 256 coordinates).
        DeterministicRandom random = DeterministicRandom.For(5, StreamPurpose.Noise);
        float[][] updates = [.. Enumerable.Range(0, 7).Select(_ => Enumerable.Range(0, 600).Select(_ => (float)random.NextGaussian()).ToArray())];
        float[] expected = [.. Enumerable.Range(0, 600).Select(j => updates.Select(u => u[j]).Order().ElementAt(3))];
        var destination = new float[600];

        // Act
        new CoordinateWiseMedian().Aggregate([.. updates.Select(u => (ReadOnlyMemory<float>)u)], destination);

        // Assert
        Assert.Equal(expected, destination);
    }

    [Fact]
    public void Aggregate_RejectsEmptyMismatchedOrNonFiniteUpdates()
    {
        // Arrange
        var median = new CoordinateWiseMedian();

        // Act and assert
        Assert.Throws<ArgumentException>(() => median.Aggregate([], new float[2]));
        Assert.Throws<ArgumentException>(() => median.Aggregate([new float[2], new float[3]], new float[2]));
        var error = Assert.Throws<ArgumentException>(() => median.Aggregate([new float[2], new[] { 0f, float.NaN }], new float[2]));
        Assert.Contains("update 1", error.Message);
        Assert.Throws<ArgumentException>(() => median.Aggregate([new[] { float.PositiveInfinity, 0f }], new float[2]));
    }
}
