using Flute.Core.Randomness;

namespace Flute.Core.Privacy;

/// <summary>
/// Adaptive clipping (Andrew, Thakkar, McMahan, Ramaswamy, "Differentially Private Learning with
/// Adaptive Clipping", NeurIPS 2021, Algorithm 1): the clip norm C follows a target quantile γ of the
/// clients' update norms by a geometric step C ← C·exp(−η·(b̃ − γ)), where b̃ is the fraction of the
/// round's clients whose update norm was ≤ C, made private by Gaussian noise of standard deviation σ_b
/// on the count. The pieces are pure functions, so a resumed round recomputes the same C.
/// </summary>
public static class AdaptiveClipping
{
    /// <summary>The next clip norm: <paramref name="clipNorm"/>·exp(−<paramref name="learningRate"/>·(<paramref name="unclippedFraction"/> − <paramref name="targetQuantile"/>)).</summary>
    /// <remarks>More clients unclipped than the target (b̃ &gt; γ) shrinks C; fewer grows it.</remarks>
    public static double NextClipNorm(double clipNorm, double unclippedFraction, double targetQuantile, double learningRate) =>
        clipNorm * Math.Exp(-learningRate * (unclippedFraction - targetQuantile));

    /// <summary>
    /// b̃ = (<paramref name="unclipped"/> + N(0, σ_b²)) / m: the noised fraction of unclipped clients over the
    /// expected cohort size m (the paper divides by the expected m, a public number, not by the clients
    /// that answered). One Gaussian draw from <paramref name="random"/>; no clamping, as in the paper.
    /// </summary>
    public static double NoisedUnclippedFraction(int unclipped, double countStddev, double expectedCohort, DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(expectedCohort);
        return (unclipped + countStddev * random.NextGaussian()) / expectedCohort;
    }

    /// <summary>The stream of round <paramref name="round"/>'s count noise: (seed, <see cref="StreamPurpose.ClipCountNoise"/>, round).</summary>
    public static DeterministicRandom CountNoise(ulong seed, int round) => DeterministicRandom.For(seed, StreamPurpose.ClipCountNoise, round);

    /// <summary>
    /// z_Δ, the noise multiplier of the update when the count also gets noise σ_b, such that the two
    /// releases together are as private as one Gaussian mechanism of noise multiplier z (Andrew et al.
    /// 2021, Theorem 1: the count of b_i − ½ has sensitivity ½, so its noise multiplier is 2σ_b, and
    /// z^-2 = z_Δ^-2 + (2σ_b)^-2): z_Δ = (z^-2 − (2σ_b)^-2)^(-1/2).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">2σ_b ≤ z: the count alone would spend the whole budget.</exception>
    public static double UpdateNoiseMultiplier(double noiseMultiplier, double countStddev)
    {
        if (!(noiseMultiplier > 0)) throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "The noise multiplier must be > 0.");
        if (!(2 * countStddev > noiseMultiplier))
            throw new ArgumentOutOfRangeException(nameof(countStddev), countStddev, $"The count's noise σ_b must exceed z/2 = {noiseMultiplier / 2} (twice it is the count's own noise multiplier).");
        double remaining = 1 / (noiseMultiplier * noiseMultiplier) - 1 / (4 * countStddev * countStddev);
        return 1 / Math.Sqrt(remaining);
    }

    /// <summary>The paper's default σ_b when none is set: the expected cohort size / 20.</summary>
    public static double DefaultCountStddev(double expectedCohort) => expectedCohort / 20;
}
