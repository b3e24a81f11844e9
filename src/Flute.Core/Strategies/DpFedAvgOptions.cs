using Flute.Core.Configuration;
using Flute.Core.Privacy;

namespace Flute.Core.Strategies;

/// <summary>The options of <see cref="DpFedAvg"/> (the <c>privacy</c> config section).</summary>
/// <param name="ClipNorm">C: every client scales its update to L2 norm ≤ C (privacy.clip_norm); with adaptive clipping, the first round's C.</param>
/// <param name="NoiseMultiplier">z: the noise multiplier the accountant charges (privacy.noise_multiplier); the update's noise has standard deviation z·C, or z_Δ·C with adaptive clipping.</param>
/// <param name="FixedDenominator">Divide the noised sum by the cohort size K instead of the clients that answered (privacy.weighting fixed).</param>
/// <param name="CohortSize">K = server.clients_per_round (the expected cohort under Poisson sampling).</param>
/// <param name="Population">N = data.num_clients (the sampling ratio is K/N).</param>
/// <param name="Delta">δ of the reported (ε, δ) (privacy.delta).</param>
/// <param name="Seed">experiment.seed: the noise stream is (seed, DpNoise, round).</param>
/// <param name="TargetEpsilon">Stop before a round whose ε would exceed this (privacy.target_epsilon); 0 = no target.</param>
public sealed record DpFedAvgOptions(double ClipNorm, double NoiseMultiplier, bool FixedDenominator, int CohortSize, int Population, double Delta, ulong Seed, double TargetEpsilon = 0)
{
    /// <summary>Adaptive clipping's settings, or null for a fixed C (privacy.adaptive_clipping off).</summary>
    public AdaptiveClippingOptions? Adaptive { get; init; }

    /// <summary>How cohorts are drawn (server.sampling), which picks the accountant's amplification bound.</summary>
    public SamplingScheme Sampling { get; init; } = SamplingScheme.FixedSize;

    /// <summary>
    /// The noise multiplier of the update itself: z without adaptive clipping; with it, z_Δ = (z^-2 − (2σ_b)^-2)^-1/2,
    /// so the update and the noised count together are as private as one Gaussian mechanism of multiplier z.
    /// </summary>
    public double UpdateNoiseMultiplier =>
        Adaptive is { } adaptive ? AdaptiveClipping.UpdateNoiseMultiplier(NoiseMultiplier, adaptive.CountStddev) : NoiseMultiplier;

    /// <summary>The options a config gives (the privacy section, cohort size, population, sampling, seed).</summary>
    public static DpFedAvgOptions From(FluteConfig c) =>
        new(c.Privacy.ClipNorm, c.Privacy.NoiseMultiplier, c.Privacy.Weighting == "fixed",
            c.Server.ClientsPerRound, c.Data.NumClients, c.Privacy.Delta, c.Experiment.Seed, c.Privacy.TargetEpsilon)
        {
            Adaptive = c.Privacy.AdaptiveClipping == "on"
                ? new AdaptiveClippingOptions(c.Privacy.TargetQuantile, c.Privacy.ClipLearningRate, CountStddevOf(c))
                : null,
            Sampling = c.Server.Sampling == "poisson" ? SamplingScheme.Poisson : SamplingScheme.FixedSize,
        };

    /// <summary>σ_b as configured: privacy.clipped_count_stddev, or server.clients_per_round / 20 when it is 0.</summary>
    public static double CountStddevOf(FluteConfig c) =>
        c.Privacy.ClippedCountStddev > 0 ? c.Privacy.ClippedCountStddev : AdaptiveClipping.DefaultCountStddev(c.Server.ClientsPerRound);
}

/// <summary>Adaptive clipping's settings (Andrew et al. 2021).</summary>
/// <param name="TargetQuantile">γ (privacy.target_quantile).</param>
/// <param name="LearningRate">η (privacy.clip_learning_rate).</param>
/// <param name="CountStddev">σ_b, the noise on the count of unclipped clients (privacy.clipped_count_stddev resolved).</param>
public sealed record AdaptiveClippingOptions(double TargetQuantile, double LearningRate, double CountStddev);

/// <summary>One round of adaptive clipping: the C clients clipped to, the noised share clipped (1 − b̃), and the next round's C.</summary>
/// <param name="ClipNorm">The C of this round.</param>
/// <param name="ClippedFraction">1 − b̃: the noised share of the round's clients whose update was clipped (may leave [0, 1] by the noise).</param>
/// <param name="NextClipNorm">The C of the next round.</param>
public readonly record struct ClipAdaptation(double ClipNorm, double ClippedFraction, double NextClipNorm);
