using Flute.Core.Heterogeneity;

namespace Flute.Core.Tests.Heterogeneity;

public sealed class RoundSelectionTests
{
    // Client 1 arrives at 5 s, 2 at 3 s, 3 at 9 s, 4 at 3 s (a tie with 2), 5 drops out.
    private static readonly ClientTiming[] s_cohort =
    [
        new(1, 5, false), new(2, 3, false), new(3, 9, false), new(4, 3, false), new(5, 1, true),
    ];

    [Fact]
    public void CompletionSeconds_IsDownloadPlusComputePlusUpload()
    {
        // Arrange: 100 samples/s, 1 MB/s; a 2 MB model, 500 samples, a 1 MB update.
        var device = new DeviceProfile(SamplesPerSecond: 100, BytesPerSecond: 1_000_000);

        // Act
        double seconds = device.CompletionSeconds(modelBytes: 2_000_000, samplesProcessed: 500, updateBytes: 1_000_000);

        // Assert: 2 s down + 5 s compute + 1 s up.
        Assert.Equal(8.0, seconds);
    }

    [Theory]
    [InlineData(120, 50, 3, 150)]
    [InlineData(120, 0, 2, 240)]
    [InlineData(30, 50, 1, 30)]
    public void Processed_CapsSamplesThenMultipliesByEpochs(int samples, int maxSamples, int epochs, long expected) =>
        Assert.Equal(expected, ClientWork.Processed(samples, maxSamples, epochs));

    [Fact]
    public void Select_WithoutPolicies_KeepsEveryoneWhoReportsAndEndsAtTheLastArrival()
    {
        // Act
        RoundPlan plan = RoundSelection.Select(s_cohort, target: 5, deadline: 0);

        // Assert: 5 dropped out; without a deadline the round ends with the last arrival (client 3 at 9 s).
        Assert.Equal([1L, 2, 3, 4], plan.Kept);
        Assert.Equal(1, plan.Dropped);
        Assert.Equal(0, plan.Late);
        Assert.Equal(9.0, plan.DurationSeconds);
    }

    [Fact]
    public void Select_WithDeadline_DiscardsLateUpdatesAndWaitsUntilTheDeadline()
    {
        // Act
        RoundPlan plan = RoundSelection.Select(s_cohort, target: 5, deadline: 6);

        // Assert: client 3 (9 s) is late; clients are missing, so the round lasts the whole deadline.
        Assert.Equal([1L, 2, 4], plan.Kept);
        Assert.Equal(1, plan.Dropped);
        Assert.Equal(1, plan.Late);
        Assert.Equal(6.0, plan.DurationSeconds);
    }

    [Fact]
    public void Select_WithDeadline_EndsEarlyWhenEveryoneArrived()
    {
        // Arrange
        ClientTiming[] cohort = [new(1, 2, false), new(2, 4, false)];

        // Act
        RoundPlan plan = RoundSelection.Select(cohort, target: 2, deadline: 10);

        // Assert
        Assert.Equal([1L, 2], plan.Kept);
        Assert.Equal(4.0, plan.DurationSeconds);
    }

    [Fact]
    public void Select_OverCommitted_KeepsTheFirstTargetArrivalsAndEndsAtTheLastKept()
    {
        // Act: 4 reporting clients for a target of 2.
        RoundPlan plan = RoundSelection.Select(s_cohort, target: 2, deadline: 0);

        // Assert: 2 and 4 both arrive at 3 s.
        Assert.Equal([2L, 4], plan.Kept);
        Assert.Equal(2, plan.Late);
        Assert.Equal(3.0, plan.DurationSeconds);
    }

    [Fact]
    public void Select_BreaksTiesByLowerClientId()
    {
        // Act
        RoundPlan plan = RoundSelection.Select(s_cohort, target: 1, deadline: 0);

        // Assert
        Assert.Equal([2L], plan.Kept);
        Assert.Equal(3, plan.Late);
    }

    [Fact]
    public void Select_WhenEveryoneDropsOut_KeepsNoneAndWaitsForTheDeadline()
    {
        // Arrange
        ClientTiming[] cohort = [new(1, 2, true), new(2, 4, true)];

        // Act
        RoundPlan withDeadline = RoundSelection.Select(cohort, target: 2, deadline: 30);
        RoundPlan without = RoundSelection.Select(cohort, target: 2, deadline: 0);

        // Assert
        Assert.Empty(withDeadline.Kept);
        Assert.Equal(30.0, withDeadline.DurationSeconds);
        Assert.Equal(0.0, without.DurationSeconds);
        Assert.Equal(2, without.Dropped);
    }

    [Theory]
    [InlineData(10, 0.3, 13)]
    [InlineData(10, 0.25, 13)]
    [InlineData(7, 0, 7)]
    [InlineData(3, 0.5, 5)]
    [InlineData(1000, 0.1, 1100)]
    public void OverCommitted_IsTheCeilingOfOnePlusXTimesK(int target, double x, int expected) =>
        Assert.Equal(expected, RoundSelection.OverCommitted(target, x));
}
