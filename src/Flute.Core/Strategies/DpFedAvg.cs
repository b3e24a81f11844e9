using Flute.Core.Privacy;
using Flute.Core.Randomness;

namespace Flute.Core.Strategies;

/// <summary>The options of <see cref="DpFedAvg"/> (the <c>privacy</c> config section).</summary>
/// <param name="ClipNorm">C: every client scales its update to L2 norm ≤ C (privacy.clip_norm).</param>
/// <param name="NoiseMultiplier">z: the noise on the sum of updates has standard deviation z·C (privacy.noise_multiplier).</param>
/// <param name="FixedDenominator">Divide the noised sum by the cohort size K instead of the clients that answered (privacy.weighting fixed).</param>
/// <param name="CohortSize">K = server.clients_per_round.</param>
/// <param name="Population">N = data.num_clients (the sampling ratio is K/N).</param>
/// <param name="Delta">δ of the reported (ε, δ) (privacy.delta).</param>
/// <param name="Seed">experiment.seed: the noise stream is (seed, DpNoise, round).</param>
/// <param name="TargetEpsilon">Stop before a round whose ε would exceed this (privacy.target_epsilon); 0 = no target.</param>
public sealed record DpFedAvgOptions(double ClipNorm, double NoiseMultiplier, bool FixedDenominator, int CohortSize, int Population, double Delta, ulong Seed, double TargetEpsilon = 0)
{
    /// <summary>The options a config gives (the privacy section, cohort size, population, seed).</summary>
    public static DpFedAvgOptions From(Configuration.FluteConfig c) =>
        new(c.Privacy.ClipNorm, c.Privacy.NoiseMultiplier, c.Privacy.Weighting == "fixed",
            c.Server.ClientsPerRound, c.Data.NumClients, c.Privacy.Delta, c.Experiment.Seed, c.Privacy.TargetEpsilon);
}

/// <summary>
/// DP-FedAvg (McMahan, Ramage, Talwar, Zhang, "Learning Differentially Private Recurrent Language Models",
/// ICLR 2018): each client clips its update to L2 norm C (the client grain does it, before encoding), the
/// server sums the clipped updates with uniform weights and adds Gaussian noise N(0, (z·C)²) per coordinate
/// exactly once — here, in <see cref="FinishUpdate"/>, which runs on the experiment grain after every silo's
/// partial sum has been merged, so a 3-silo run adds the same noise to the same sum as an embedded one.
/// The noised sum is divided by the clients that answered (uniform) or by the cohort size K (the
/// fixed-denominator estimator, unbiased under sampling). The privacy spent after r rounds comes from
/// <see cref="RdpAccountant"/> with fixed-size sampling (K of N without replacement).
/// </summary>
public sealed class DpFedAvg(DpFedAvgOptions options) : WeightedSumStrategy
{
    /// <summary>The registered name.</summary>
    public const string StrategyName = "dpfedavg";

    private double[]? _rdpPerRound;

    /// <summary>The options.</summary>
    public DpFedAvgOptions Options { get; } = options;

    /// <summary>Every client clips its update to <see cref="DpFedAvgOptions.ClipNorm"/> (before a simulated attacker manipulates it).</summary>
    public override ClientInstructions ConfigureRound(int round) => new(ClipNorm: Options.ClipNorm);

    /// <inheritdoc />
    public override string Name => StrategyName;

    /// <summary>Uniform: every clipped update counts once, so one client moves the sum by at most C.</summary>
    public override double ClientWeight(in ClientUpdateInfo info) => 1;

    /// <summary>
    /// <paramref name="update"/> holds the mean of the <paramref name="clients"/> clipped updates, i.e. sum / clients.
    /// Writes (sum + N(0, (z·C)²)) / denominator.
    /// </summary>
    public override void FinishUpdate(int round, int clients, Span<float> update)
    {
        double denominator = Options.FixedDenominator ? Options.CohortSize : clients;
        double scale = clients / denominator;
        double std = Options.NoiseMultiplier * Options.ClipNorm / denominator;
        var random = DeterministicRandom.For(Options.Seed, StreamPurpose.DpNoise, round);
        for (int i = 0; i < update.Length; i++)
        {
            update[i] = (float)(update[i] * scale + std * random.NextGaussian());
        }
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
            accountant.Compose(SamplingScheme.FixedSize, q, Options.NoiseMultiplier, 1);
            _rdpPerRound = accountant.TotalRdp.ToArray();
        }
        var total = new RdpAccountant(accountant.Orders, _rdpPerRound.Select(r => double.IsPositiveInfinity(r) ? r : r * rounds).ToArray());
        return total.GetEpsilon(Options.Delta);
    }
}
