using Flute.Core.Randomness;

namespace Flute.Core.Data;

/// <summary>
/// Which samples data.validation_fraction holds out of a training pool: exactly
/// round(fraction × pool size) of them (halves away from zero), drawn without replacement from
/// their own stream <c>DeterministicRandom.For(seed, StreamPurpose.Validation)</c>, so the choice
/// depends only on the seed and the pool size and never shifts the partition's own draws.
/// </summary>
public static class ValidationSplit
{
    /// <summary>How many of <paramref name="poolSize"/> samples the fraction holds out.</summary>
    public static int Count(double fraction, int poolSize)
    {
        if (!(fraction is >= 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "data.validation_fraction must be ≥ 0 and < 1");
        ArgumentOutOfRangeException.ThrowIfNegative(poolSize);
        return (int)Math.Round(fraction * poolSize, MidpointRounding.AwayFromZero);
    }

    /// <summary>The held-out positions in 0..<paramref name="poolSize"/>−1, ascending.</summary>
    public static int[] Draw(int poolSize, double fraction, ulong seed)
    {
        int count = Count(fraction, poolSize);
        if (count == 0 && fraction > 0)
            throw new ArgumentException(
                $"data.validation_fraction {fraction} of a training pool of {poolSize} samples holds out none; raise it or set it to 0");
        var positions = new int[poolSize];
        for (int i = 0; i < poolSize; i++) positions[i] = i;
        // The first `count` steps of a Fisher–Yates shuffle: a uniform draw without replacement.
        DeterministicRandom random = DeterministicRandom.For(seed, StreamPurpose.Validation);
        for (int i = 0; i < count; i++)
        {
            int j = i + random.NextInt32(poolSize - i);
            (positions[i], positions[j]) = (positions[j], positions[i]);
        }
        int[] drawn = positions[..count];
        Array.Sort(drawn);
        return drawn;
    }

    /// <summary>0..<paramref name="count"/>−1 without <paramref name="excluded"/>, ascending.</summary>
    public static int[] Complement(int count, ReadOnlySpan<int> excluded)
    {
        var isExcluded = new bool[count];
        foreach (int index in excluded) isExcluded[index] = true;
        var kept = new int[count - isExcluded.Count(x => x)];
        int next = 0;
        for (int i = 0; i < count; i++)
            if (!isExcluded[i]) kept[next++] = i;
        return kept;
    }
}
