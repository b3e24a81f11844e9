using Flute.Core.Configuration;
using Flute.Core.Heterogeneity;
using Flute.Interfaces;

namespace Flute.Grains.Tests.Grains;

/// <summary>
/// The virtual clock end to end (docs/heterogeneity.md): the server plans each round before training,
/// so dropouts, deadlines and over-commitment are as repeatable as the cohort, the clock's metrics
/// match the plan, and a resumed run continues the clock and the model bit for bit.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClockExperimentTests(ClusterFixture fixture)
{
    // SmallConfig: logistic regression on MNIST (7,850 parameters = 31,400 bytes each way), iid over
    // 40 clients of 1,500 samples, client.max_samples 64, one epoch.
    private const long ModelBytes = 7_850 * 4;
    private const long SamplesProcessed = 64;

    private static FluteConfig Config(int rounds = 3, double deadline = 0, double overCommit = 0, double dropout = 0, string aggregation = "direct")
    {
        var config = ClusterFixture.SmallConfig(seed: 61, rounds: rounds);
        config.Server.Aggregation = aggregation;
        config.Devices.Clock = "on";
        config.Devices.Deadline = deadline;
        config.Devices.OverCommit = overCommit;
        config.Devices.Dropout = dropout;
        ConfigLoader.Validate(config);
        return config;
    }

    /// <summary>The plan of every trained round, computed here from the same devices and work.</summary>
    private static List<RoundPlan> ExpectedPlans(FluteConfig config)
    {
        using var clock = new DeviceClock(config.Devices, config.Experiment.Seed);
        var plans = new List<RoundPlan>();
        double now = 0;
        for (int round = 1; round <= config.Experiment.Rounds; round++)
        {
            long[] sampled = clock.SampleCohort(config.Data.NumClients, config.Server.ClientsPerRound, round, now);
            RoundPlan plan = clock.Plan(round, sampled, config.Server.ClientsPerRound, _ => new ClientWork(ModelBytes, SamplesProcessed, ModelBytes));
            plans.Add(plan);
            now += plan.DurationSeconds;
        }
        return plans;
    }

    [Fact]
    public async Task The_clock_without_policies_changes_no_bits_and_records_virtual_time()
    {
        // Arrange
        var off = Config();
        off.Devices.Clock = "off";
        List<RoundPlan> plans = ExpectedPlans(Config());

        // Act
        var (plain, plainRounds) = await fixture.RunAsync("clock-off", off);
        var (clocked, rounds) = await fixture.RunAsync("clock-on", Config());

        // Assert
        Assert.Equal(plain.ModelSha256, clocked.ModelSha256);
        Assert.All(plainRounds, r => Assert.Null(r.VirtualTime));
        Assert.Equal(0.0, rounds[0].VirtualTime);
        double total = 0;
        for (int i = 0; i < plans.Count; i++)
        {
            RoundMetrics r = rounds[i + 1];
            total += plans[i].DurationSeconds;
            Assert.Equal(plans[i].DurationSeconds, r.VirtualSeconds);
            Assert.Equal(total, r.VirtualTime);
            Assert.Equal(0, r.Dropped);
            Assert.Equal(0, r.Late);
            Assert.Equal(5, r.Clients);
        }
    }

    [Fact]
    public async Task A_deadline_discards_late_clients_repeatably_and_on_silos_too()
    {
        // Arrange: the median device needs 64 / 50 = 1.28 s of compute; 1.3 s leaves about half late.
        FluteConfig config = Config(deadline: 1.3);
        List<RoundPlan> plans = ExpectedPlans(config);
        Assert.Contains(plans, p => p.Late > 0);

        // Act
        var (first, rounds) = await fixture.RunAsync("clock-deadline-a", config);
        var (again, againRounds) = await fixture.RunAsync("clock-deadline-b", Config(deadline: 1.3));
        var (onSilos, _) = await fixture.RunAsync("clock-deadline-silo", Config(deadline: 1.3, aggregation: "silo"));
        var (noDeadline, _) = await fixture.RunAsync("clock-deadline-none", Config());

        // Assert
        Assert.Equal(ExperimentStatus.Finished, first.Status);
        for (int i = 0; i < plans.Count; i++)
        {
            RoundMetrics r = rounds[i + 1];
            Assert.Equal(plans[i].Kept.Length, r.Clients);
            Assert.Equal(plans[i].Late, r.Late);
            Assert.Equal(5, r.Sampled);
            Assert.Equal(plans[i].DurationSeconds, r.VirtualSeconds);
            Assert.True(r.VirtualSeconds <= 1.3);
        }
        Assert.Equal(first.ModelSha256, again.ModelSha256);
        Assert.Equal(rounds.Select(r => r.VirtualTime), againRounds.Select(r => r.VirtualTime));
        Assert.Equal(first.ModelSha256, onSilos.ModelSha256);
        Assert.NotEqual(noDeadline.ModelSha256, first.ModelSha256);
    }

    [Fact]
    public async Task Over_commitment_samples_more_and_keeps_the_first_arrivals()
    {
        // Arrange: ⌈1.4 × 5⌉ = 7 sampled, 5 kept, 2 late per round.
        FluteConfig config = Config(overCommit: 0.4);
        List<RoundPlan> plans = ExpectedPlans(config);

        // Act
        var (first, rounds) = await fixture.RunAsync("clock-overcommit-a", config);
        var (again, againRounds) = await fixture.RunAsync("clock-overcommit-b", Config(overCommit: 0.4));

        // Assert
        Assert.All(rounds.Skip(1), r =>
        {
            Assert.Equal(7, r.Sampled);
            Assert.Equal(5, r.Clients);
            Assert.Equal(2, r.Late);
        });
        Assert.Equal(plans.Select(p => (double?)p.DurationSeconds), rounds.Skip(1).Select(r => r.VirtualSeconds));
        Assert.Equal(first.ModelSha256, again.ModelSha256);
        Assert.Equal(rounds.Select(r => r.VirtualTime), againRounds.Select(r => r.VirtualTime));
    }

    [Fact]
    public async Task Dropouts_are_seeded_and_counted()
    {
        // Arrange
        FluteConfig config = Config(rounds: 4, dropout: 0.4);
        List<RoundPlan> plans = ExpectedPlans(config);
        Assert.Contains(plans, p => p.Dropped > 0);

        // Act
        var (first, rounds) = await fixture.RunAsync("clock-dropout-a", config);
        var (again, _) = await fixture.RunAsync("clock-dropout-b", Config(rounds: 4, dropout: 0.4));

        // Assert
        Assert.Equal(plans.Select(p => (int?)p.Dropped), rounds.Skip(1).Select(r => r.Dropped));
        Assert.Equal(plans.Select(p => p.Kept.Length), rounds.Skip(1).Select(r => r.Clients));
        Assert.Equal(first.ModelSha256, again.ModelSha256);
    }

    [Fact]
    public async Task A_resumed_run_continues_the_clock_and_the_model()
    {
        // Arrange
        FluteConfig whole = Config(rounds: 4, deadline: 1.3, dropout: 0.2);
        FluteConfig firstPart = Config(rounds: 2, deadline: 1.3, dropout: 0.2);
        const string id = "clock-resumed";

        // Act
        var (uninterrupted, wholeRounds) = await fixture.RunAsync("clock-whole", whole);
        await fixture.RunAsync(id, firstPart);
        ExperimentProgress resumed = await fixture.ResumeToEndAsync(id, firstPart, totalRounds: 4);

        // Assert
        Assert.Equal(ExperimentStatus.Finished, resumed.Status);
        Assert.Equal(uninterrupted.ModelSha256, resumed.ModelSha256);
        Assert.Equal(wholeRounds.Select(r => r.VirtualTime), resumed.NewRounds.Select(r => r.VirtualTime));
    }
}
