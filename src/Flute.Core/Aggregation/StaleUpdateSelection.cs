using Flute.Core.Randomness;

namespace Flute.Core.Aggregation;

/// <summary>
/// DGA's stale_prob: each round, each client's weighted update is held back with probability p and
/// joins the next round's aggregate instead (numerator and weight), simulating updates that arrive one
/// round late. This mirrors FLUTE's core/strategies/dga.py (Dimitriadis et al., "Dynamic Gradient
/// Aggregation for Federated Domain Adaptation", 2021, arXiv:2106.07578), where the draw is an unseeded
/// np.random.random() per client; here it is a seeded stream per (seed, round, client), so the choice
/// never depends on arrival order.
/// </summary>
/// <remarks>
/// On the exact weighted-sum path a wrapper folds deferred updates into a second fixed-point
/// accumulator, commits it with the round (it is strategy state), and merges it into the next round's
/// sum with <see cref="FixedPointAccumulator.Add"/> before dividing by the total weight.
/// </remarks>
public static class StaleUpdateSelection
{
    /// <summary>Whether client <paramref name="clientId"/>'s update in <paramref name="round"/> is deferred to the next round.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="staleProbability"/> is outside [0, 1].</exception>
    public static bool IsDeferred(ulong seed, long round, long clientId, double staleProbability)
    {
        if (!(staleProbability >= 0 && staleProbability <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(staleProbability), staleProbability, "stale_prob must be in [0, 1].");
        }
        // u is in [0, 1), so p = 0 never defers and p = 1 always does.
        return staleProbability > 0
            && DeterministicRandom.For(seed, StreamPurpose.StaleUpdate, round, clientId).NextDouble() < staleProbability;
    }
}
