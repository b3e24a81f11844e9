using Flute.Core.Configuration;
using Flute.Interfaces;

namespace Flute.Grains.Tests.Grains;

/// <summary>
/// Per-client evaluation end to end (server.client_eval): clients test the round's model on their own
/// held-out samples through their grains, optionally after personalization steps; the spread lands in
/// the round's metrics and the global model does not change because of it.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClientEvaluationExperimentTests(ClusterFixture fixture)
{
    private static FluteConfig Config(string clientEval, int steps = 0)
    {
        var config = ClusterFixture.SmallConfig(seed: 61, rounds: 2);
        config.Server.ClientEval = clientEval;
        config.Server.PersonalizationSteps = steps;
        config.Server.EvalEvery = 2;
        ConfigLoader.Validate(config);
        return config;
    }

    [Fact]
    public async Task The_cohort_or_every_client_is_evaluated_in_evaluated_rounds_and_the_model_is_the_same_either_way()
    {
        // Act
        var (cohort, cohortRounds) = await fixture.RunAsync("client-eval-cohort", Config("cohort"));
        var (all, allRounds) = await fixture.RunAsync("client-eval-all", Config("all"));
        var (tuned, tunedRounds) = await fixture.RunAsync("client-eval-tuned", Config("cohort", steps: 3));
        var (tunedAgain, tunedAgainRounds) = await fixture.RunAsync("client-eval-tuned-again", Config("cohort", steps: 3));
        var (off, offRounds) = await fixture.RunAsync("client-eval-off", Config("none"));

        // Assert: round 2 only (eval_every 2); 1,500 samples a client, 20% = 300 held out each.
        Assert.Equal(ExperimentStatus.Finished, cohort.Status);
        RoundMetrics last = cohortRounds.Single(r => r.Round == 2);
        Assert.Equal(5, last.ClientAccuracy!.Clients);
        Assert.Null(last.PersonalizedAccuracy);
        Assert.All(cohortRounds.Where(r => r.Round != 2), r => Assert.Null(r.ClientAccuracy));
        Assert.InRange(last.ClientAccuracy.Mean, 0.3, 1);
        Assert.True(last.ClientAccuracy.P10 <= last.ClientAccuracy.P50 && last.ClientAccuracy.P50 <= last.ClientAccuracy.P90);
        Assert.Equal(40, allRounds.Single(r => r.Round == 2).ClientAccuracy!.Clients);
        Assert.Null(offRounds.Single(r => r.Round == 2).ClientAccuracy);

        // Evaluating, and fine-tuning copies for it, never touches the global model.
        Assert.Equal(cohort.ModelSha256, all.ModelSha256);
        Assert.Equal(cohort.ModelSha256, tuned.ModelSha256);
        // Holding out the clients' test samples changes what they train on.
        Assert.NotEqual(off.ModelSha256, cohort.ModelSha256);

        RoundMetrics tunedLast = tunedRounds.Single(r => r.Round == 2);
        Assert.Equal(last.ClientAccuracy, tunedLast.ClientAccuracy);
        Assert.Equal(5, tunedLast.PersonalizedAccuracy!.Clients);
        Assert.NotEqual(tunedLast.ClientAccuracy!.Mean, tunedLast.PersonalizedAccuracy.Mean);
        // Deterministic: the same seed gives the same spreads.
        Assert.Equal(tunedLast.PersonalizedAccuracy, tunedAgainRounds.Single(r => r.Round == 2).PersonalizedAccuracy);
        Assert.Equal(tuned.ModelSha256, tunedAgain.ModelSha256);
    }
}
