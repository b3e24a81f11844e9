using Flute.Core.Randomness;

namespace Flute.Core.Data;

/// <summary>
/// A client's own test split for per-client evaluation (server.client_eval) when the data set has
/// none: ⌊fraction · n⌋ of its n samples, chosen by a shuffle seeded by (seed, client) alone, so the
/// split is the same in every round, on every silo and for any order of clients. Both parts keep the
/// samples' original relative order.
/// </summary>
public static class ClientTestSplit
{
    /// <summary>⌊fraction · n⌋: how many of a client's <paramref name="samples"/> are held out.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is outside [0, 1) or the count is negative.</exception>
    public static int TestCount(int samples, double fraction)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(samples);
        if (!(fraction >= 0 && fraction < 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "the client test fraction must be in [0, 1)");
        return (int)Math.Floor(fraction * samples);
    }

    /// <summary>Splits a client's sample indices into its training part and its test part.</summary>
    /// <exception cref="ArgumentOutOfRangeException">See <see cref="TestCount"/>.</exception>
    public static (int[] Train, int[] Test) Split(ReadOnlySpan<int> indices, double fraction, ulong seed, long client)
    {
        int test = TestCount(indices.Length, fraction);
        if (test == 0) return (indices.ToArray(), []);
        // Positions 0..n-1 shuffled; the first `test` of them are held out.
        int[] positions = new int[indices.Length];
        for (int i = 0; i < positions.Length; i++) positions[i] = i;
        new DeterministicRandom(DeterministicRandom.DeriveKey(seed, StreamPurpose.ClientTestSplit, 0, client)).Shuffle(positions.AsSpan());
        bool[] held = new bool[indices.Length];
        for (int i = 0; i < test; i++) held[positions[i]] = true;
        int[] trainPart = new int[indices.Length - test], testPart = new int[test];
        for (int i = 0, a = 0, b = 0; i < indices.Length; i++)
        {
            if (held[i]) testPart[b++] = indices[i];
            else trainPart[a++] = indices[i];
        }
        return (trainPart, testPart);
    }
}
