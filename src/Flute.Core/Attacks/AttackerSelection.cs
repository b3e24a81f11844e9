using Flute.Core.Randomness;

namespace Flute.Core.Attacks;

/// <summary>
/// Which members of a round's cohort are attackers: exactly round(fraction · K) of the K clients, those
/// with the smallest keys DeriveKey(seed, AttackSelection, round, client) (ties by client id). Each
/// client's key depends only on its own id, so the set is the same for any order of the cohort.
/// </summary>
public static class AttackerSelection
{
    /// <summary>round(fraction · K), halves rounded up (0.25 · 10 = 2.5 → 3).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is outside [0, 1] or K is negative.</exception>
    public static int AttackerCount(int cohortSize, double fraction)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cohortSize);
        if (!(fraction >= 0 && fraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The attacker fraction must be in [0, 1].");
        }
        return (int)Math.Round(fraction * cohortSize, MidpointRounding.AwayFromZero);
    }

    /// <summary>The attackers among <paramref name="cohort"/> in <paramref name="round"/>, sorted by client id.</summary>
    /// <exception cref="ArgumentException">The cohort lists a client twice.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is outside [0, 1].</exception>
    public static long[] Choose(ulong seed, long round, IReadOnlyList<long> cohort, double fraction)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        int count = AttackerCount(cohort.Count, fraction);
        var keyed = new (ulong Key, long Client)[cohort.Count];
        for (int i = 0; i < keyed.Length; i++)
        {
            keyed[i] = (DeterministicRandom.DeriveKey(seed, StreamPurpose.AttackSelection, round, cohort[i]), cohort[i]);
        }
        Array.Sort(keyed);
        for (int i = 1; i < keyed.Length; i++)
        {
            if (keyed[i].Client == keyed[i - 1].Client)
            {
                throw new ArgumentException($"The cohort lists client {keyed[i].Client} twice.", nameof(cohort));
            }
        }
        long[] attackers = new long[count];
        for (int i = 0; i < count; i++)
        {
            attackers[i] = keyed[i].Client;
        }
        Array.Sort(attackers);
        return attackers;
    }
}
