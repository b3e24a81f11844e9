using Flute.Core.Randomness;

namespace Flute.Core.Sampling;

/// <summary>
/// Draws a round's cohort: K distinct client ids from [0, N), uniformly over all K-subsets, in O(K) time
/// and memory whatever N is (Floyd's algorithm; Bentley and Floyd, "Programming Pearls: A sample of
/// brilliance", CACM 1987). The draw is a pure function of (seed, round) through the
/// <see cref="StreamPurpose.Cohort"/> stream.
/// </summary>
public static class CohortSampler
{
    /// <summary>Returns <paramref name="cohort"/> distinct ids from [0, <paramref name="population"/>), sorted ascending.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The cohort is not in [1, population].</exception>
    public static long[] Sample(long population, int cohort, ulong seed, long round)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cohort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cohort, population);

        DeterministicRandom random = DeterministicRandom.For(seed, StreamPurpose.Cohort, round);
        var chosen = new HashSet<long>(cohort);
        var ids = new long[cohort];
        int count = 0;

        // Floyd: for j = N-K .. N-1 pick t in [0, j]; take t, or j itself when t is already taken.
        // Each step adds exactly one id, and every K-subset comes out with equal probability.
        for (long j = population - cohort; j < population; j++)
        {
            long t = random.NextInt64(j + 1);
            if (!chosen.Add(t))
            {
                // j is new: every earlier step picked from [0, j - 1].
                chosen.Add(j);
                t = j;
            }
            ids[count++] = t;
        }
        Array.Sort(ids);
        return ids;
    }
}
