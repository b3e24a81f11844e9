using Flute.Core.Randomness;

namespace Flute.Core.Sampling;

/// <summary>
/// Draws a cohort among the clients online at a moment: uniform draws from [0, N) through the
/// <see cref="StreamPurpose.Availability"/> stream of (seed, round), skipping repeats and offline
/// clients, until the cohort is full. Every subset of online clients is equally likely, and memory is
/// O(draws), not O(N). When few clients are online the search stops after
/// <see cref="DrawsPerSlot"/> draws per cohort slot and returns the smaller cohort it found.
/// </summary>
public static class AvailableCohortSampler
{
    /// <summary>Draws allowed per wanted client before the sampler settles for fewer.</summary>
    public const int DrawsPerSlot = 64;

    /// <summary>Up to <paramref name="cohort"/> distinct online clients from [0, <paramref name="population"/>), sorted ascending.</summary>
    public static long[] Sample(long population, int cohort, ulong seed, long round, Func<long, bool> isOnline)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cohort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cohort, population);
        DeterministicRandom random = DeterministicRandom.For(seed, StreamPurpose.Availability, round);
        var seen = new HashSet<long>();
        var chosen = new List<long>(cohort);
        long budget = Math.Min((long)cohort * DrawsPerSlot, Math.Max(population * 4, cohort));
        for (long draw = 0; draw < budget && chosen.Count < cohort && seen.Count < population; draw++)
        {
            long id = random.NextInt64(population);
            if (seen.Add(id) && isOnline(id)) chosen.Add(id);
        }
        chosen.Sort();
        return [.. chosen];
    }
}
