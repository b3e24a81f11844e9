using Flute.Core.Sampling;
using Flute.Interfaces;

namespace Flute.Grains.Tests.Grains;

/// <summary>server.sampling poisson through the experiment grain: variable cohorts, and empty ones skip the step without failing.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PoissonSamplingExperimentTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Poisson_cohorts_vary_and_an_empty_one_skips_the_step_without_failing()
    {
        // Arrange: 40 clients, expected cohort 1 (q = 1/40): a round is empty with probability 0.975^40 ≈ 0.36.
        var config = ClusterFixture.SmallConfig(seed: 5, rounds: 6);
        config.Server.ClientsPerRound = 1;
        config.Server.Sampling = "poisson";
        config.Server.Strategy = "dpfedavg";
        config.Privacy.AdaptiveClipping = "on";
        config.Privacy.ClippedCountStddev = 1.0;
        int[] expected = [.. Enumerable.Range(1, 6).Select(r => PoissonCohortSampler.Sample(40, 1 / 40.0, 5, r).Length)];
        Assert.Contains(0, expected);
        Assert.Contains(expected, n => n > 0);

        // Act
        var (final, rounds) = await fixture.RunAsync("grain-poisson", config);

        // Assert
        Assert.Equal(ExperimentStatus.Finished, final.Status);
        Assert.Equal(expected, rounds.Where(r => r.Round > 0).Select(r => r.Sampled));
        foreach (RoundMetrics r in rounds.Where(r => r.Round > 0))
        {
            bool empty = r.Sampled == 0;
            Assert.Equal(empty ? true : null, r.StepSkipped);
            Assert.Equal(empty, r.ClipNorm is null);
            Assert.Equal(r.Sampled, r.Clients);
            Assert.True(r.Epsilon > 0); // every round counts as a step for the accountant
        }
    }
}
