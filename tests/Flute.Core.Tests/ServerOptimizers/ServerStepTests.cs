using Flute.Core.Configuration;
using Flute.Core.Schedules;
using Flute.Core.ServerOptimizers;

namespace Flute.Core.Tests.ServerOptimizers;

[Collection(Flute.Core.Tests.Registry.RegistryCollection.Name)]
public sealed class ServerStepTests
{
    [Fact]
    public void Sgd_steps_each_round_with_the_rate_of_the_step_schedule()
    {
        // Arrange: server.lr 1, step schedule γ 0.5 every 2 rounds: rates 1, 1, 0.5, 0.5 in rounds 1–4.
        // w₀ = [1, 2], g = [0.5, −1] every round, no momentum (w ← w − lr·g):
        //   round 1: [1 − 0.5, 2 + 1] = [0.5, 3];    round 2: [0, 4]
        //   round 3: [0 − 0.25, 4 + 0.5] = [−0.25, 4.5]; round 4: [−0.5, 5]
        FluteConfig config = ConfigLoader.LoadText("experiment:\n  rounds: 4\n", "s.yaml",
            ["server.lr_schedule=step", "server.lr_gamma=0.5", "server.lr_step_rounds=2"]);
        var step = ServerStep.From(config);
        float[] weights = [1f, 2f];
        var seen = new List<float[]>();

        // Act
        for (int round = 1; round <= 4; round++)
        {
            step.Apply(weights, [0.5f, -1f], round);
            seen.Add((float[])weights.Clone());
        }

        // Assert
        Assert.Equal([1.0, 1.0, 0.5, 0.5], Enumerable.Range(1, 4).Select(step.Schedule.At));
        Assert.Equal([0.5f, 3f], seen[0]);
        Assert.Equal([0f, 4f], seen[1]);
        Assert.Equal([-0.25f, 4.5f], seen[2]);
        Assert.Equal([-0.5f, 5f], seen[3]);
    }

    [Fact]
    public void Adam_takes_the_rounds_rate_and_keeps_its_moments_across_a_rate_change()
    {
        // Arrange: AdamServerOptimizerTests' numbers (β1 0.5, β2 0.5, τ 0.5; w₀ = [1, −2]) under an
        // exponential schedule lr 0.5, γ 0.5: round 1 at 0.5 gives [0.875, −1.8062871] as there.
        // Round 2 at 0.25, g = [−1, 2]: m = [−0.375, 0.75], v = [0.625, 2.3125] (the rate does not touch them),
        //   w = [0.875 + 0.25·0.375/(0.7905694 + 0.5), −1.8062871 − 0.25·0.75/(1.5206906 + 0.5)]
        //     = [0.875 + 0.0726424, −1.8062871 − 0.0927901] = [0.9476424, −1.8990772]
        var adam = new AdamServerOptimizer(new AdaptiveOptimizerOptions(LearningRate: 0.5, Beta1: 0.5, Beta2: 0.5, Tau: 0.5));
        var step = new ServerStep(adam, new LearningRateSchedule("exponential", 0.5, gamma: 0.5, totalRounds: 2));
        float[] weights = [1f, -2f];

        // Act
        step.Apply(weights, [0.5f, -1f], 1);
        float[] afterFirst = (float[])weights.Clone();
        step.Apply(weights, [-1f, 2f], 2);

        // Assert
        OptimizerAssert.Close([0.875f, -1.8062871f], afterFirst);
        OptimizerAssert.Close([0.9476424f, -1.8990772f], weights);
        Assert.Equal([-0.375f, 0.75f], adam.ExportState()[0]);
        Assert.Equal([0.625f, 2.3125f], adam.ExportState()[1]);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    [InlineData("yogi")]
    [InlineData("adagrad")]
    public void The_constant_default_schedule_gives_the_bits_of_the_optimizers_own_rate(string name)
    {
        // Arrange: three rounds of arbitrary pseudo-gradients through the config's step and through the bare optimizer.
        FluteConfig config = ConfigLoader.LoadText("experiment:\n  rounds: 3\n", "s.yaml", [$"server.optimizer={name}", "server.momentum=0.5"]);
        var step = ServerStep.From(config);
        IServerOptimizer bare = ServerOptimizerRegistry.Create(config);
        float[] viaSchedule = [0.3f, -1.7f, 2.9f], direct = [0.3f, -1.7f, 2.9f];
        float[][] gradients = [[0.11f, -0.37f, 1.3f], [-0.5f, 0.05f, 0.7f], [0.2f, 0.9f, -0.01f]];

        // Act
        for (int round = 1; round <= 3; round++)
        {
            step.Apply(viaSchedule, gradients[round - 1], round);
            bare.Step(direct, gradients[round - 1], config.Server.Lr);
        }

        // Assert
        Assert.Equal(direct, viaSchedule);
        Assert.Equal("constant", step.Schedule.Kind);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-0.1)]
    [InlineData(double.PositiveInfinity)]
    public void A_rounds_rate_that_is_negative_or_not_finite_is_refused(double rate)
    {
        // Arrange
        var sgd = new SgdServerOptimizer();
        var adam = new AdamServerOptimizer(new AdaptiveOptimizerOptions(0.01));
        float[] weights = [1f];

        // Act and assert
        Assert.Throws<ArgumentOutOfRangeException>(() => sgd.Step(weights, [1f], rate));
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.Step(weights, [1f], rate));
    }
}
