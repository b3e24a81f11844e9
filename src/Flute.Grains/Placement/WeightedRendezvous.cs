namespace Flute.Grains.Placement;

/// <summary>
/// Weighted rendezvous hashing (highest random weight; Thaler and Ravishankar, 1998; the weighted
/// form is Schindelhauer and Schomaker, 2005): each candidate silo draws a pseudo-random
/// u ∈ (0, 1] from (grain, silo), scores <c>−ln(u) / capacity</c>, and the lowest score wins.
/// </summary>
/// <remarks>
/// <para>
/// Each score is an exponential variable with rate <c>capacity</c>, so the minimum falls on silo i
/// with probability <c>capacity_i / Σ capacity</c>: shares proportional to capacity. Because a
/// grain's score for a silo depends on that grain and that silo only, removing a silo moves exactly
/// the grains it won (each to its runner-up) and adding one takes grains only from the others,
/// in proportion to their shares.
/// </para>
/// <para>
/// Pure and stable across processes: the same hashes and capacities give the same pick on every
/// silo, whatever order the candidates come in (an exact score tie goes to the smaller silo hash).
/// </para>
/// </remarks>
public static class WeightedRendezvous
{
    /// <summary>The index in <paramref name="silos"/> of the silo that wins <paramref name="grainHash"/>.</summary>
    /// <param name="grainHash">A stable 64-bit hash of the grain's identity.</param>
    /// <param name="silos">The candidates: a stable 64-bit hash of each silo's identity and its capacity (≥ 1).</param>
    /// <exception cref="ArgumentException">No candidates.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A capacity below 1.</exception>
    public static int Pick(ulong grainHash, IReadOnlyList<(ulong SiloHash, int Capacity)> silos)
    {
        ArgumentNullException.ThrowIfNull(silos);
        if (silos.Count == 0) throw new ArgumentException("no candidate silos", nameof(silos));
        int best = -1;
        double bestScore = double.PositiveInfinity;
        ulong bestHash = 0;
        for (int i = 0; i < silos.Count; i++)
        {
            (ulong siloHash, int capacity) = silos[i];
            double score = Score(grainHash, siloHash, capacity);
            if (best < 0 || score < bestScore || (score == bestScore && siloHash < bestHash))
            {
                best = i;
                bestScore = score;
                bestHash = siloHash;
            }
        }
        return best;
    }

    /// <summary>The silo's score for the grain, <c>−ln(u) / capacity</c>; lower wins.</summary>
    public static double Score(ulong grainHash, ulong siloHash, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        return -Math.Log(Unit(grainHash, siloHash)) / capacity;
    }

    /// <summary>
    /// u ∈ (0, 1] for the pair: the top 53 bits of a mixed 64-bit word, plus one, over 2^53. Zero is
    /// excluded so −ln(u) is finite; the silo hash goes through the finalizer first so that XOR with
    /// the grain hash cannot cancel structure shared by the two inputs.
    /// </summary>
    internal static double Unit(ulong grainHash, ulong siloHash)
    {
        ulong mixed = Mix(grainHash ^ Mix(siloHash));
        return ((mixed >> 11) + 1) * (1.0 / (1UL << 53));
    }

    /// <summary>The SplitMix64 finalizer (Steele, Lea and Flood, 2014): a bijection with full avalanche.</summary>
    internal static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
