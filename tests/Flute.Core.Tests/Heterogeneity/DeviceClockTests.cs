using Flute.Core.Configuration;
using Flute.Core.Heterogeneity;
using Flute.Core.Sampling;

namespace Flute.Core.Tests.Heterogeneity;

public sealed class DeviceClockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flute-clock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Profile_WithZeroSigma_IsTheMedianAndATraceOverridesIt()
    {
        // Arrange
        string trace = Path.Combine(_dir, "t.csv");
        File.WriteAllText(trace, "3,7,9\n");
        var options = new DevicesSection { Clock = "on", SpeedMedian = 40, SpeedSigma = 0, BandwidthMedian = 2000, BandwidthSigma = 0, Trace = trace };
        using var clock = new DeviceClock(options, seed: 1);

        // Assert
        Assert.Equal(new DeviceProfile(40, 2000), clock.Profile(2));
        Assert.Equal(new DeviceProfile(7, 9), clock.Profile(3));
    }

    [Fact]
    public void Profile_IsFixedPerClientAndSeed()
    {
        // Arrange
        var options = new DevicesSection { Clock = "on" };
        using var clock = new DeviceClock(options, seed: 5);
        using var again = new DeviceClock(options, seed: 5);
        using var other = new DeviceClock(options, seed: 6);

        // Assert
        Assert.Equal(clock.Profile(11), again.Profile(11));
        Assert.NotEqual(clock.Profile(11), clock.Profile(12));
        Assert.NotEqual(clock.Profile(11), other.Profile(11));
    }

    [Fact]
    public void DropsOut_FollowsTheProbability()
    {
        // Arrange
        using var never = new DeviceClock(new DevicesSection { Clock = "on", Dropout = 0 }, seed: 1);
        using var always = new DeviceClock(new DevicesSection { Clock = "on", Dropout = 1 }, seed: 1);
        using var half = new DeviceClock(new DevicesSection { Clock = "on", Dropout = 0.5 }, seed: 1);

        // Act
        int dropped = Enumerable.Range(0, 10_000).Count(c => half.DropsOut(round: 3, c));

        // Assert
        Assert.False(never.DropsOut(1, 1));
        Assert.True(always.DropsOut(1, 1));
        Assert.InRange(dropped, 4_800, 5_200);
        Assert.Equal(half.DropsOut(3, 17), half.DropsOut(3, 17));
    }

    [Fact]
    public void Plan_ComputesEachClientsCompletionFromItsDeviceAndWork()
    {
        // Arrange: every device 10 samples/s and 1000 B/s; client c processes 10·c samples.
        var options = new DevicesSection { Clock = "on", SpeedMedian = 10, SpeedSigma = 0, BandwidthMedian = 1000, BandwidthSigma = 0, Deadline = 5 };
        using var clock = new DeviceClock(options, seed: 1);

        // Act: 1000 B down + 10·c samples + 500 B up → 1.5 + c seconds.
        RoundPlan plan = clock.Plan(round: 1, cohort: [1, 2, 3, 4], target: 4, id => new ClientWork(1000, 10 * id, 500));

        // Assert: 2.5, 3.5, 4.5 within the 5 s deadline; 5.5 late.
        Assert.Equal([1L, 2, 3], plan.Kept);
        Assert.Equal(1, plan.Late);
        Assert.Equal(5.0, plan.DurationSeconds);
    }

    [Fact]
    public void SampleCohort_OverCommits_AndWithoutAvailabilityDrawsLikeTheCohortSampler()
    {
        // Arrange
        using var plain = new DeviceClock(new DevicesSection { Clock = "on" }, seed: 9);
        using var over = new DeviceClock(new DevicesSection { Clock = "on", OverCommit = 0.3 }, seed: 9);

        // Assert
        Assert.Equal(CohortSampler.Sample(1000, 10, 9, 4), plain.SampleCohort(1000, 10, round: 4, startSeconds: 0));
        Assert.Equal(13, over.SampleCohort(1000, 10, round: 4, startSeconds: 0).Length);
        Assert.Equal(20, over.SampleCohort(20, 18, round: 4, startSeconds: 0).Length);
    }

    [Fact]
    public void SampleCohort_DrawsOnlyClientsOnlineAtTheRoundsStart()
    {
        // Arrange: clients 0..99 listed; even ids online during [0, 100), odd ids during [100, 200).
        string path = Path.Combine(_dir, "a.csv");
        File.WriteAllLines(path, Enumerable.Range(0, 100).Select(i => i % 2 == 0 ? $"{i},0,100" : $"{i},100,200"));
        using var clock = new DeviceClock(new DevicesSection { Clock = "on", Availability = path }, seed: 2);

        // Act
        long[] early = clock.SampleCohort(100, 10, round: 1, startSeconds: 50);
        long[] late = clock.SampleCohort(100, 10, round: 1, startSeconds: 150);

        // Assert
        Assert.Equal(10, early.Length);
        Assert.All(early, id => Assert.Equal(0, id % 2));
        Assert.Equal(10, late.Length);
        Assert.All(late, id => Assert.Equal(1, id % 2));
        Assert.Equal(early, clock.SampleCohort(100, 10, round: 1, startSeconds: 50));
    }

    [Fact]
    public void AvailableCohortSampler_SettlesForTheOnlineClientsItCanFind()
    {
        // Act: only client 3 of 50 is online.
        long[] cohort = AvailableCohortSampler.Sample(50, 5, seed: 1, round: 1, id => id == 3);

        // Assert
        Assert.Equal([3L], cohort);
    }
}
