using Flute.Core.Aggregation.Robust;

namespace Flute.Core.Tests.Aggregation.Robust;

public sealed class KrumTests
{
    // Client order: an attacker first, so the selection cannot be "the first update".
    // Pairwise squared distances (a = [11, 11], b = [2, 1], c = [1, 1], d = [1, 2], e = [3, 3]):
    //   a–b 81 + 100 = 181, a–c 200, a–d 181, a–e 128, b–c 1, b–d 2, b–e 5, c–d 1, c–e 8, d–e 5.
    // With n = 5 and f = 1, each score sums the n − f − 2 = 2 nearest:
    //   a: {128, 181, 181, 200} → 309; b: {1, 2, 5, 181} → 3; c: {1, 1, 8, 200} → 2;
    //   d: {1, 2, 5, 181} → 3; e: {5, 5, 8, 128} → 10.
    internal static readonly ReadOnlyMemory<float>[] Updates =
        [new[] { 11f, 11f }, new[] { 2f, 1f }, new[] { 1f, 1f }, new[] { 1f, 2f }, new[] { 3f, 3f }];

    [Fact]
    public void Scores_SumTheSquaredDistancesToTheNMinusFMinusTwoNearest()
    {
        // Act
        double[] scores = KrumScoring.Scores(Updates, byzantine: 1);

        // Assert
        Assert.Equal([309.0, 3.0, 2.0, 3.0, 10.0], scores);
    }

    [Fact]
    public void Aggregate_ReturnsTheLowestScoredUpdateUnchanged()
    {
        // Arrange: c (index 2) has the lowest score, 2.
        var krum = new Krum(byzantine: 1);
        var destination = new float[2];

        // Act
        int selected = krum.Select(Updates);
        krum.Aggregate(Updates, destination);

        // Assert
        Assert.Equal(2, selected);
        Assert.Equal([1f, 1f], destination);
    }

    [Fact]
    public void Select_BreaksATieByClientOrder()
    {
        // Arrange: four corners of the unit square and a far point, f = 1 (2 nearest each):
        //   [0,0], [1,0], [0,1], [1,1] each have two neighbours at squared distance 1 → score 2; the far
        //   point scores far more. All four tie, so the first client wins.
        ReadOnlyMemory<float>[] updates = [new[] { 0f, 0f }, new[] { 1f, 0f }, new[] { 0f, 1f }, new[] { 1f, 1f }, new[] { 10f, 10f }];

        // Act
        int selected = new Krum(byzantine: 1).Select(updates);

        // Assert
        Assert.Equal(0, selected);
    }

    [Theory]
    [InlineData(4, 1)]
    [InlineData(2, 0)]
    [InlineData(6, 2)]
    public void Select_RequiresMoreThanTwoFPlusTwoUpdates(int count, int byzantine)
    {
        // Arrange
        var updates = Enumerable.Range(0, count).Select(i => (ReadOnlyMemory<float>)new[] { (float)i }).ToArray();

        // Act
        var error = Assert.Throws<ArgumentException>(() => new Krum(byzantine).Select(updates));

        // Assert
        Assert.Contains($"more than 2f + 2 = {2 * byzantine + 2} updates; the round has {count}", error.Message);
    }
}
