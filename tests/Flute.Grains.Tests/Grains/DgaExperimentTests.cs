using Flute.Core.Aggregation;
using Flute.Core.Configuration;
using Flute.Core.Sampling;
using Flute.Interfaces;

namespace Flute.Grains.Tests.Grains;

/// <summary>DGA end to end: its stale updates are committed with the round, so a resume continues bit for bit.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DgaExperimentTests(ClusterFixture fixture)
{
    private static FluteConfig StaleConfig(int rounds)
    {
        var config = ClusterFixture.SmallConfig(seed: 23, rounds: rounds);
        config.Server.Strategy = "dga";
        config.Server.DgaStaleProb = 0.5;
        return config;
    }

    [Fact]
    public async Task A_run_stopped_with_held_back_updates_and_resumed_ends_with_the_uninterrupted_model()
    {
        // Arrange: round 2's cohort has at least one update held back into round 3, so round 2's checkpoint carries DGA state.
        var whole = StaleConfig(rounds: 4);
        var firstPart = StaleConfig(rounds: 2);
        long[] cohort2 = CohortSampler.Sample(whole.Data.NumClients, whole.Server.ClientsPerRound, whole.Experiment.Seed, 2);
        Assert.Contains(cohort2, c => StaleUpdateSelection.IsDeferred(whole.Experiment.Seed, 2, c, 0.5));
        var noStale = StaleConfig(rounds: 4);
        noStale.Server.DgaStaleProb = 0;

        // Act: one run of 4 rounds; one of 2 rounds resumed (state loaded from the store) to 4.
        var (uninterrupted, _) = await fixture.RunAsync("dga-stale-whole", whole);
        var (plain, _) = await fixture.RunAsync("dga-no-stale", noStale);
        var (stopped, _) = await fixture.RunAsync("dga-stale-resumed", firstPart);
        var grain = fixture.Cluster.Client.GetGrain<IExperimentGrain>("dga-stale-resumed");
        var spec = new ExperimentSpec("dga-stale-resumed", ConfigJson.Serialize(firstPart), fixture.DataDir);
        await grain.ResumeAsync(new ResumeRequest(spec, 4, [], null, 0));
        ExperimentProgress resumed;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            do
            {
                await Task.Delay(20, timeout.Token);
                resumed = await grain.GetProgressAsync(0);
            }
            while (resumed.Status is not (ExperimentStatus.Finished or ExperimentStatus.Failed));
        }

        // Assert
        Assert.Equal(ExperimentStatus.Finished, stopped.Status);
        Assert.Equal(ExperimentStatus.Finished, resumed.Status);
        Assert.Equal(4, resumed.RoundsCompleted);
        Assert.Equal(uninterrupted.ModelSha256, resumed.ModelSha256);
        Assert.NotEqual(plain.ModelSha256, uninterrupted.ModelSha256);
    }
}
