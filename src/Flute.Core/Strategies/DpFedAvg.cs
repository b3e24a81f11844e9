using System.Buffers.Binary;
using Flute.Core.Privacy;
using Flute.Core.Randomness;
using Flute.Core.UpdatePipeline;

namespace Flute.Core.Strategies;

/// <summary>
/// DP-FedAvg (McMahan, Ramage, Talwar, Zhang, "Learning Differentially Private Recurrent Language Models",
/// ICLR 2018): each client clips its update to L2 norm C (the client grain does it, before encoding), the
/// server sums the clipped updates with uniform weights and adds Gaussian noise N(0, (z·C)²) per coordinate
/// exactly once — here, in <see cref="FinishUpdate"/>, which runs on the experiment grain after every silo's
/// partial sum has been merged, so a 3-silo run adds the same noise to the same sum as an embedded one.
/// The noised sum is divided by the clients that answered (uniform) or by the cohort size K (the
/// fixed-denominator estimator, unbiased under sampling). The privacy spent after r rounds comes from
/// <see cref="RdpAccountant"/> with the bound of the configured sampling (K of N without replacement, or Poisson).
/// With adaptive clipping (Andrew et al. 2021) C is state: it moves after every round toward a quantile of the
/// clients' update norms (<see cref="AdaptClipNorm"/>), and is committed with the round.
/// </summary>
public sealed class DpFedAvg(DpFedAvgOptions options) : WeightedSumStrategy, IPrivacyBudget
{
    /// <summary>The registered name.</summary>
    public const string StrategyName = "dpfedavg";

    private double[]? _rdpPerRound;
    private double _clipNorm = options.ClipNorm;

    /// <summary>The options.</summary>
    public DpFedAvgOptions Options { get; } = options;

    /// <summary>The C of the next round: <see cref="DpFedAvgOptions.ClipNorm"/>, or where adaptive clipping has moved it.</summary>
    public double ClipNorm => _clipNorm;

    /// <summary>Every client clips its update to <see cref="ClipNorm"/> (before a simulated attacker manipulates it).</summary>
    public override ClientInstructions ConfigureRound(int round) => new(ClipNorm: _clipNorm);

    /// <inheritdoc />
    public override string Name => StrategyName;

    /// <summary>Uniform: every clipped update counts once, so one client moves the sum by at most C.</summary>
    public override double ClientWeight(in ClientUpdateInfo info) => 1;

    /// <summary>
    /// <paramref name="update"/> holds the mean of the <paramref name="clients"/> clipped updates, i.e. sum / clients.
    /// Writes (sum + N(0, (z·C)²)) / denominator (z_Δ for z with adaptive clipping).
    /// </summary>
    public override void FinishUpdate(int round, int clients, Span<float> update)
    {
        double denominator = Options.FixedDenominator ? Options.CohortSize : clients;
        double scale = clients / denominator;
        double std = Options.UpdateNoiseMultiplier * _clipNorm / denominator;
        AggregateNoiseStep.ScaleAndAddNoise(update, scale, std, DeterministicRandom.For(Options.Seed, StreamPurpose.DpNoise, round));
    }

    /// <summary>
    /// Adaptive clipping's step after round <paramref name="round"/> made a server step: b̃ = (unclipped + N(0, σ_b²)) / K
    /// from the (seed, ClipCountNoise, round) stream, then C ← C·exp(−η(b̃ − γ)). Returns null (C unchanged)
    /// without adaptive clipping.
    /// </summary>
    /// <param name="round">The round that just finished.</param>
    /// <param name="folded">The clients whose clipped updates were summed.</param>
    /// <param name="clipped">Of those, the clients whose update norm exceeded C.</param>
    public ClipAdaptation? AdaptClipNorm(int round, int folded, int clipped)
    {
        if (Options.Adaptive is not { } adaptive) return null;
        ArgumentOutOfRangeException.ThrowIfNegative(clipped);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(clipped, folded);
        double used = _clipNorm;
        double unclippedFraction = AdaptiveClipping.NoisedUnclippedFraction(
            folded - clipped, adaptive.CountStddev, Options.CohortSize, AdaptiveClipping.CountNoise(Options.Seed, round));
        _clipNorm = AdaptiveClipping.NextClipNorm(used, unclippedFraction, adaptive.TargetQuantile, adaptive.LearningRate);
        return new ClipAdaptation(used, 1 - unclippedFraction, _clipNorm);
    }

    /// <summary>With adaptive clipping, the next round's C (8 bytes, little-endian); null otherwise.</summary>
    public override byte[]? ExportState()
    {
        if (Options.Adaptive is null) return null;
        var state = new byte[sizeof(double)];
        BinaryPrimitives.WriteDoubleLittleEndian(state, _clipNorm);
        return state;
    }

    /// <summary>Restores the C written by <see cref="ExportState"/>; null starts from <see cref="DpFedAvgOptions.ClipNorm"/>.</summary>
    public override void ImportState(byte[]? state)
    {
        if (state is null)
        {
            _clipNorm = Options.ClipNorm;
            return;
        }
        if (Options.Adaptive is null || state.Length != sizeof(double))
            throw new ArgumentException($"strategy '{Name}' keeps {(Options.Adaptive is null ? "no state without adaptive clipping" : "an 8-byte clip norm")}, but the checkpoint holds {state.Length} bytes", nameof(state));
        double clipNorm = BinaryPrimitives.ReadDoubleLittleEndian(state);
        if (!(clipNorm > 0) || !double.IsFinite(clipNorm))
            throw new ArgumentException($"strategy '{Name}': the checkpoint's clip norm {clipNorm} is not a positive number", nameof(state));
        _clipNorm = clipNorm;
    }

    /// <summary>
    /// Whether round <paramref name="round"/> may run: true without a target, else when the ε after it stays
    /// within <see cref="DpFedAvgOptions.TargetEpsilon"/>. ε grows with every round, so the run stops at the
    /// last round that keeps within the target.
    /// </summary>
    public bool WithinBudget(int round) => Options.TargetEpsilon <= 0 || SpentAfter(round).Epsilon <= Options.TargetEpsilon;

    /// <summary>The (ε, δ) spent after <paramref name="rounds"/> rounds (a pure function of the round count, so a resume reports the same).</summary>
    public PrivacySpent SpentAfter(int rounds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rounds);
        if (rounds == 0) return new PrivacySpent(0, Options.Delta, double.NaN);
        double q = Math.Min(1.0, (double)Options.CohortSize / Options.Population);
        var accountant = new RdpAccountant();
        if (_rdpPerRound is null)
        {
            accountant.Compose(Options.Sampling, q, Options.NoiseMultiplier, 1);
            _rdpPerRound = accountant.TotalRdp.ToArray();
        }
        var total = new RdpAccountant(accountant.Orders, _rdpPerRound.Select(r => double.IsPositiveInfinity(r) ? r : r * rounds).ToArray());
        return total.GetEpsilon(Options.Delta);
    }
}
