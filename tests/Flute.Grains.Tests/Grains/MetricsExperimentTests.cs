using Flute.Core.Configuration;
using Flute.Interfaces;

namespace Flute.Grains.Tests.Grains;

/// <summary>
/// Evaluation metrics end to end (server.metrics): every evaluated round, round 0 included, reports
/// them on the test and validation splits, slices on any trainer add up to the same values, and the
/// model is bit for bit the one of a run without them.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class MetricsExperimentTests(ClusterFixture fixture)
{
    private static FluteConfig Config(string metrics, int evalBatchSize = 1000)
    {
        var config = ClusterFixture.SmallConfig(seed: 83, rounds: 2);
        config.Data.ValidationFraction = 0.1;
        config.Server.Metrics = metrics;
        config.Server.EvalBatchSize = evalBatchSize;
        ConfigLoader.Validate(config);
        return config;
    }

    [Fact]
    public async Task Configured_metrics_are_reported_every_evaluated_round_and_leave_the_model_alone()
    {
        // Act
        var (with, withRounds) = await fixture.RunAsync("metrics-on", Config("top5_accuracy, macro_f1, balanced_accuracy"));
        // Other slices (333 samples each): the counts add up to the same values.
        var (sliced, slicedRounds) = await fixture.RunAsync("metrics-sliced", Config("top5_accuracy, macro_f1, balanced_accuracy", evalBatchSize: 333));
        var (without, withoutRounds) = await fixture.RunAsync("metrics-off", Config(""));

        // Assert
        Assert.Equal(ExperimentStatus.Finished, with.Status);
        Assert.Equal([0, 1, 2], withRounds.Select(r => r.Round));
        foreach (RoundMetrics round in withRounds)
        {
            Assert.Equal(["top5_accuracy", "macro_f1", "balanced_accuracy"], round.TestMetrics!.Keys);
            Assert.Equal(["top5_accuracy", "macro_f1", "balanced_accuracy"], round.ValidationMetrics!.Keys);
            Assert.All(round.TestMetrics.Values.Concat(round.ValidationMetrics.Values), v => Assert.InRange(v, 0, 1));
            Assert.True(round.TestMetrics["top5_accuracy"] >= round.TestAccuracy, $"round {round.Round}: top-5 {round.TestMetrics["top5_accuracy"]} < top-1 {round.TestAccuracy}");
            Assert.True(round.ValidationMetrics["top5_accuracy"] >= round.ValidationAccuracy);
        }
        // Two rounds of logistic regression learn something: better than chance on every metric.
        Assert.InRange(withRounds[^1].TestMetrics!["macro_f1"], 0.2, 1);
        Assert.Equal(withRounds.Select(r => r.TestMetrics), slicedRounds.Select(r => r.TestMetrics));
        Assert.Equal(withRounds.Select(r => r.ValidationMetrics), slicedRounds.Select(r => r.ValidationMetrics));

        // Metrics read the logits and change no bit of training; without them nothing is reported.
        Assert.Equal(without.ModelSha256, with.ModelSha256);
        Assert.Equal(without.ModelSha256, sliced.ModelSha256);
        Assert.Equal(withoutRounds.Select(r => r.TestAccuracy), withRounds.Select(r => r.TestAccuracy));
        Assert.All(withoutRounds, r => Assert.Null(r.TestMetrics));
        Assert.All(withoutRounds, r => Assert.Null(r.ValidationMetrics));
    }
}
