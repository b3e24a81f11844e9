using Flute.Core.Privacy;
using Flute.Core.Strategies;

namespace Flute.Core.Tests.Privacy;

public sealed class DpFedAvgTests
{
    private static DpFedAvg Strategy(double z = 1.5, double clip = 0.4, bool fixedDenominator = false, int cohort = 10, int population = 100) =>
        new(new DpFedAvgOptions(clip, z, fixedDenominator, cohort, population, 1e-5, 42));

    [Fact]
    public void ClipL2_ScalesDownToTheBoundAndLeavesSmallerUpdates()
    {
        // ‖(3, 4)‖ = 5 → clipped to norm 1: (0.6, 0.8). ‖(0.3, 0.4)‖ = 0.5 ≤ 1: unchanged.
        float[] large = [3f, 4f];
        float[] small = [0.3f, 0.4f];

        Assert.Equal(5.0, UpdateClipping.ClipL2(large, 1.0), 12);
        Assert.Equal(0.5, UpdateClipping.ClipL2(small, 1.0), 6);

        Assert.Equal(0.6f, large[0], 6);
        Assert.Equal(0.8f, large[1], 6);
        Assert.Equal([0.3f, 0.4f], small);
    }

    [Fact]
    public void ClipL2_BoundsEveryContribution()
    {
        var random = new Flute.Core.Randomness.DeterministicRandom(5);
        for (int trial = 0; trial < 50; trial++)
        {
            float[] update = Enumerable.Range(0, 1000).Select(_ => (float)random.NextGaussian(0, trial)).ToArray();
            UpdateClipping.ClipL2(update, 2.5);
            double norm = Math.Sqrt(update.Sum(v => (double)v * v));
            Assert.True(norm <= 2.5 * (1 + 1e-6), $"trial {trial}: norm {norm}");
        }
    }

    [Fact]
    public void ClientWeight_IsUniform()
    {
        Assert.Equal(1, Strategy().ClientWeight(new ClientUpdateInfo(600, 0.3)));
        Assert.Equal(1, Strategy().ClientWeight(new ClientUpdateInfo(5, 2.0)));
    }

    [Theory]
    [InlineData(false, 8)]  // uniform: divide by the 8 clients that answered
    [InlineData(true, 10)]  // fixed denominator: divide by the cohort size 10
    public void FinishUpdate_AddsNoiseOfStdZTimesCOverTheDenominator(bool fixedDenominator, int denominator)
    {
        // The mean of 8 updates is 1 everywhere (sum 8). Output: (8 + N(0, (z·C)²)) / denominator per value.
        // z = 1.5, C = 0.4: std of the sum's noise 0.6; over 200,000 values the sample std is within 2%.
        const int n = 200_000;
        var update = Enumerable.Repeat(1f, n).ToArray();
        Strategy(fixedDenominator: fixedDenominator).FinishUpdate(3, 8, update);

        double mean = update.Average(v => (double)v);
        double std = Math.Sqrt(update.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        double expectedStd = 1.5 * 0.4 / denominator;
        Assert.InRange(std / expectedStd, 0.98, 1.02);
        Assert.Equal(8.0 / denominator, mean, 3);
    }

    [Fact]
    public void FinishUpdate_DrawsTheSameNoiseForTheSameRound()
    {
        float[] a = new float[100], b = new float[100], c = new float[100];
        Strategy().FinishUpdate(7, 10, a);
        Strategy().FinishUpdate(7, 10, b);
        Strategy().FinishUpdate(8, 10, c);

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void SpentAfter_IsTheFixedSizeAccountantAfterThatManyRounds()
    {
        var accountant = new RdpAccountant();
        accountant.Compose(SamplingScheme.FixedSize, 10.0 / 100, 1.5, 25);
        DpFedAvg strategy = Strategy();

        Assert.Equal(0, strategy.SpentAfter(0).Epsilon);
        Assert.Equal(accountant.GetEpsilon(1e-5).Epsilon, strategy.SpentAfter(25).Epsilon, 12);
        Assert.True(strategy.SpentAfter(26).Epsilon > strategy.SpentAfter(25).Epsilon);
    }

    [Fact]
    public void WithinBudget_AllowsExactlyTheRoundsWhoseEpsilonStaysUnderTheTarget()
    {
        // Target = ε after 7 rounds: rounds 1..7 may run, round 8 may not.
        var open = new DpFedAvg(new DpFedAvgOptions(0.4, 1.5, false, 10, 100, 1e-5, 42));
        double target = open.SpentAfter(7).Epsilon;
        var capped = new DpFedAvg(open.Options with { TargetEpsilon = target });

        Assert.True(open.WithinBudget(1_000));
        Assert.True(capped.WithinBudget(1));
        Assert.True(capped.WithinBudget(7));
        Assert.False(capped.WithinBudget(8));
    }
}
