using Flute.Core.Aggregation.Robust;

namespace Flute.Core.Tests.Aggregation.Robust;

public sealed class MultiKrumTests
{
    [Fact]
    public void Aggregate_AveragesTheMLowestScoredUpdatesBreakingTiesByClientOrder()
    {
        // Arrange: scores from KrumTests: a 309, b 3, c 2, d 3, e 10. m = 2 takes c, then b over d (tie at
        // 3, b is the earlier client): mean of [1, 1] and [2, 1] = [1.5, 1].
        var multiKrum = new MultiKrum(byzantine: 1, selected: 2);
        var destination = new float[2];

        // Act
        int[] selected = multiKrum.Select(KrumTests.Updates);
        multiKrum.Aggregate(KrumTests.Updates, destination);

        // Assert
        Assert.Equal([2, 1], selected);
        Assert.Equal([1.5f, 1f], destination);
    }

    [Fact]
    public void Aggregate_WithMFourLeavesOutOnlyTheAttacker()
    {
        // Arrange: m = 4 takes c, b, d, e: mean of [1, 1], [2, 1], [1, 2], [3, 3] = [7/4, 7/4].
        var multiKrum = new MultiKrum(byzantine: 1, selected: 4);
        var destination = new float[2];

        // Act
        multiKrum.Aggregate(KrumTests.Updates, destination);

        // Assert
        Assert.Equal([1.75f, 1.75f], destination);
    }

    [Fact]
    public void Select_RejectsMoreSelectionsThanUpdatesAndTooFewUpdates()
    {
        // Act and assert
        var tooMany = Assert.Throws<ArgumentException>(() => new MultiKrum(byzantine: 1, selected: 6).Select(KrumTests.Updates));
        Assert.Contains("m = 6", tooMany.Message);
        Assert.Throws<ArgumentException>(() => new MultiKrum(byzantine: 2, selected: 1).Select(KrumTests.Updates));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiKrum(byzantine: 1, selected: 0));
    }
}
