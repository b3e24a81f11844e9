using Flute.Core.Randomness;

namespace Flute.Core.Sampling;

/// <summary>
/// Poisson sampling of a round's cohort (server.sampling poisson): every client of [0, N) joins
/// independently with probability q, so the cohort size is Binomial(N, q) and may be 0. It walks the
/// selected ids by geometric gaps — the gap to the next selected id is ⌊log U / log(1 − q)⌋ for U uniform
/// in (0, 1] — so time and memory are O(cohort), never O(N). A pure function of (seed, round) through
/// the <see cref="StreamPurpose.PoissonCohort"/> stream.
/// </summary>
public static class PoissonCohortSampler
{
    /// <summary>The selected ids from [0, <paramref name="population"/>), ascending (possibly none).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The population is not positive or q is not in [0, 1].</exception>
    public static long[] Sample(long population, double q, ulong seed, long round)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(population);
        if (!(q >= 0 && q <= 1)) throw new ArgumentOutOfRangeException(nameof(q), q, "The sampling probability must be in [0, 1].");
        if (q == 0) return [];
        if (q == 1)
        {
            var all = new long[population];
            for (long i = 0; i < population; i++) all[i] = i;
            return all;
        }
        DeterministicRandom random = DeterministicRandom.For(seed, StreamPurpose.PoissonCohort, round);
        double logMiss = double.LogP1(-q);
        var chosen = new List<long>();
        long id = -1;
        while (true)
        {
            // 1 − NextDouble() is in (0, 1]: log is finite, and the gap is ≥ 0.
            double gap = Math.Floor(Math.Log(1 - random.NextDouble()) / logMiss);
            if (gap >= population - id - 1) break;
            id += (long)gap + 1;
            chosen.Add(id);
        }
        return [.. chosen];
    }

    /// <summary>q = K / N: the probability that gives an expected cohort of <paramref name="expectedCohort"/>.</summary>
    public static double Probability(int expectedCohort, long population) => Math.Min(1.0, (double)expectedCohort / population);
}
