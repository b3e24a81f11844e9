using Flute.Core.Privacy;
using Flute.Core.Randomness;
using Flute.Core.Strategies;

namespace Flute.Core.Tests.Privacy;

public sealed class AdaptiveClippingTests
{
    private static DpFedAvg Adaptive(double z = 1.0, double countStddev = 1.0, int cohort = 10, SamplingScheme sampling = SamplingScheme.FixedSize) =>
        new(new DpFedAvgOptions(1.0, z, false, cohort, 1000, 1e-5, 42)
        {
            Adaptive = new AdaptiveClippingOptions(TargetQuantile: 0.5, LearningRate: 0.2, CountStddev: countStddev),
            Sampling = sampling,
        });

    [Fact]
    public void NextClipNorm_IsTheGeometricStepTowardTheQuantile()
    {
        // C = 1, γ = 0.5, η = 0.2: b̃ = 0.8 → e^(−0.06) = 0.9417645336 (too few clipped: shrink);
        // b̃ = 0.2 → e^(0.06) = 1.0618365465 (too many clipped: grow); b̃ = γ → unchanged.
        Assert.Equal(0.94176453358, AdaptiveClipping.NextClipNorm(1.0, 0.8, 0.5, 0.2), 9);
        Assert.Equal(1.06183654655, AdaptiveClipping.NextClipNorm(1.0, 0.2, 0.5, 0.2), 9);
        Assert.Equal(2.5, AdaptiveClipping.NextClipNorm(2.5, 0.5, 0.5, 0.2), 12);
    }

    [Fact]
    public void UpdateNoiseMultiplier_KeepsTheCombinedMultiplier()
    {
        // z = 1, σ_b = 1: (1 − 1/4)^(−1/2) = 1.1547005384. z = 2, σ_b = 2.5 (cohort 50 / 20): (1/4 − 1/25)^(−1/2) = 2.1821789024.
        Assert.Equal(1.1547005384, AdaptiveClipping.UpdateNoiseMultiplier(1.0, 1.0), 9);
        Assert.Equal(2.1821789024, AdaptiveClipping.UpdateNoiseMultiplier(2.0, 2.5), 9);
        // And back: z_Δ^-2 + (2σ_b)^-2 = z^-2.
        double zDelta = AdaptiveClipping.UpdateNoiseMultiplier(1.3, 0.9);
        Assert.Equal(1 / (1.3 * 1.3), 1 / (zDelta * zDelta) + 1 / (4 * 0.9 * 0.9), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => AdaptiveClipping.UpdateNoiseMultiplier(1.0, 0.5));
    }

    [Fact]
    public void NoisedUnclippedFraction_HasTheCountNoiseStandardDeviation()
    {
        // 20,000 rounds of the count 7 of a cohort of 50 with σ_b = 2.5: the noise (b̃·50 − 7) has mean 0
        // and standard deviation 2.5; the sample sd has relative sd 1/√40000 = 0.5%, so 2% is 4σ.
        const int rounds = 20_000;
        double sum = 0, sumOfSquares = 0;
        for (int round = 1; round <= rounds; round++)
        {
            double noise = AdaptiveClipping.NoisedUnclippedFraction(7, 2.5, 50, AdaptiveClipping.CountNoise(9, round)) * 50 - 7;
            sum += noise;
            sumOfSquares += noise * noise;
        }
        double mean = sum / rounds;
        double sd = Math.Sqrt(sumOfSquares / rounds - mean * mean);

        Assert.InRange(mean, -0.06, 0.06);
        Assert.InRange(sd, 2.45, 2.55);
        Assert.Equal(0.3, AdaptiveClipping.NoisedUnclippedFraction(3, 0, 10, AdaptiveClipping.CountNoise(9, 1)), 12);
    }

    [Fact]
    public void AdaptClipNorm_StepsCWithTheNoisedCountOfItsRound()
    {
        // Arrange: round 1 folds 10 clients, 2 clipped → 8 unclipped; σ_b = 1, cohort 10.
        DpFedAvg strategy = Adaptive();
        double g = DeterministicRandom.For(42, StreamPurpose.ClipCountNoise, 1).NextGaussian();
        double unclippedFraction = (8 + 1.0 * g) / 10;
        double expected = Math.Exp(-0.2 * (unclippedFraction - 0.5));

        // Act
        Assert.Equal(1.0, strategy.ConfigureRound(1).ClipNorm);
        ClipAdaptation? step = strategy.AdaptClipNorm(1, folded: 10, clipped: 2);

        // Assert
        Assert.NotNull(step);
        Assert.Equal(1.0, step.Value.ClipNorm);
        Assert.Equal(1 - unclippedFraction, step.Value.ClippedFraction, 12);
        Assert.Equal(expected, step.Value.NextClipNorm, 12);
        Assert.Equal(expected, strategy.ConfigureRound(2).ClipNorm, 12);
    }

    [Fact]
    public void ClipNorm_IsStateThatSurvivesExportAndImport()
    {
        // Arrange
        DpFedAvg original = Adaptive();
        for (int round = 1; round <= 5; round++) original.AdaptClipNorm(round, 10, round % 3);
        byte[]? state = original.ExportState();

        // Act
        DpFedAvg resumed = Adaptive();
        resumed.ImportState(state);
        original.AdaptClipNorm(6, 10, 4);
        resumed.AdaptClipNorm(6, 10, 4);

        // Assert: bitwise the same C after the resume; null resets to privacy.clip_norm.
        Assert.NotNull(state);
        Assert.Equal(8, state.Length);
        Assert.Equal(BitConverter.DoubleToInt64Bits(original.ClipNorm), BitConverter.DoubleToInt64Bits(resumed.ClipNorm));
        resumed.ImportState(null);
        Assert.Equal(1.0, resumed.ClipNorm);
    }

    [Fact]
    public void WithoutAdaptiveClipping_CStaysAndNoStateIsKept()
    {
        var plain = new DpFedAvg(new DpFedAvgOptions(0.7, 1.0, false, 10, 1000, 1e-5, 42));

        Assert.Null(plain.AdaptClipNorm(1, 10, 10));
        Assert.Null(plain.ExportState());
        Assert.Equal(0.7, plain.ConfigureRound(2).ClipNorm);
        Assert.Throws<ArgumentException>(() => plain.ImportState(new byte[8]));
    }

    [Fact]
    public void FinishUpdate_NoisesWithTheAdjustedMultiplierAtTheCurrentC()
    {
        // z = 1, σ_b = 1 → z_Δ = 1.1547005384; after one step C = c1; a zero sum of 1 client (uniform)
        // gets noise z_Δ·c1·g with g from (42, DpNoise, round 2).
        DpFedAvg strategy = Adaptive();
        double c1 = strategy.AdaptClipNorm(1, 10, 5)!.Value.NextClipNorm;
        var update = new float[3];

        strategy.FinishUpdate(2, 1, update);

        var random = DeterministicRandom.For(42, StreamPurpose.DpNoise, 2);
        for (int i = 0; i < update.Length; i++)
            Assert.Equal((float)(1.1547005383792517 * c1 * random.NextGaussian()), update[i]);
    }

    [Fact]
    public void Accountant_ChargesTheStatedMultiplierWithTheConfiguredSamplingBound()
    {
        // q = 10/1000 = 0.01, z = 1.1, 10,000 rounds, δ = 1e-5, Poisson: 5.632 (RdpAccountantTests'
        // independently integrated value). Adaptive clipping does not change it: z is the combined multiplier.
        DpFedAvg poisson = Adaptive(z: 1.1, countStddev: 1.0, sampling: SamplingScheme.Poisson);
        DpFedAvg fixedSize = Adaptive(z: 1.1, countStddev: 1.0);

        Assert.Equal(5.632, poisson.SpentAfter(10_000).Epsilon, 2);
        Assert.True(fixedSize.SpentAfter(10_000).Epsilon > poisson.SpentAfter(10_000).Epsilon);
    }
}
