namespace Flute.Core.Tests.Randomness;

/// <summary>
/// The published generators DeterministicRandom is built from, transcribed independently of it
/// (plain shifts, no BitOperations, no shared helpers), so the known-answer tests compare the
/// production code with the algorithms' definitions rather than with itself:
/// SplitMix64 (Steele, Lea and Flood 2014; Vigna's splitmix64.c) and xoshiro256** 1.0
/// (Blackman and Vigna 2018, arXiv 1805.01407; xoshiro256starstar.c), plus Lemire's
/// nearly-divisionless bounded integer (Lemire 2019, arXiv 1805.10941) and Fisher–Yates.
/// </summary>
internal static class ReferenceGenerators
{
    public const ulong Golden = 0x9e3779b97f4a7c15;

    /// <summary>splitmix64.c's output function (the "finalizer" applied to the advanced state).</summary>
    public static ulong SplitMixFinalizer(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
        z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
        return z ^ (z >> 31);
    }

    /// <summary>splitmix64.c's next(): advance by the golden gamma, then finalize.</summary>
    public static ulong SplitMixNext(ref ulong x)
    {
        x += Golden;
        return SplitMixFinalizer(x);
    }

    /// <summary>
    /// The stream key as DeterministicRandom documents it: the SplitMix64 finalizer chained over
    /// seed ^ gamma, then purpose, round and client (two's complement), each XORed into the hash.
    /// </summary>
    public static ulong StreamKey(ulong seed, ulong purpose, long round, long client)
    {
        ulong h = SplitMixFinalizer(seed ^ Golden);
        h = SplitMixFinalizer(h ^ purpose);
        h = SplitMixFinalizer(h ^ unchecked((ulong)round));
        return SplitMixFinalizer(h ^ unchecked((ulong)client));
    }

    /// <summary>xoshiro256**, with its state seeded as the authors recommend: four SplitMix64 outputs.</summary>
    public sealed class Xoshiro256StarStar
    {
        private readonly ulong[] _s;

        public Xoshiro256StarStar(ulong s0, ulong s1, ulong s2, ulong s3) => _s = [s0, s1, s2, s3];

        public static Xoshiro256StarStar SeededBySplitMix(ulong key)
        {
            ulong x = key;
            return new Xoshiro256StarStar(SplitMixNext(ref x), SplitMixNext(ref x), SplitMixNext(ref x), SplitMixNext(ref x));
        }

        public ulong Next()
        {
            ulong result = Rotl(_s[1] * 5, 7) * 9;
            ulong t = _s[1] << 17;
            _s[2] ^= _s[0];
            _s[3] ^= _s[1];
            _s[1] ^= _s[2];
            _s[0] ^= _s[3];
            _s[2] ^= t;
            _s[3] = Rotl(_s[3], 45);
            return result;
        }

        /// <summary>The top 53 bits scaled by 2^-53, the conversion the xoshiro authors recommend.</summary>
        public double NextDouble() => (Next() >> 11) * Math.Pow(2, -53);

        /// <summary>Lemire's method: the high word of x * n, rejecting the low words below 2^64 mod n.</summary>
        public ulong NextBelow(ulong n)
        {
            while (true)
            {
                UInt128 m = (UInt128)Next() * n;
                ulong low = (ulong)m;
                // 2^64 mod n, computed as (2^64 - n) mod n in 64-bit arithmetic.
                if (low >= (0UL - n) % n) return (ulong)(m >> 64);
            }
        }

        /// <summary>Fisher–Yates (Durstenfeld), from the last position down.</summary>
        public void Shuffle(int[] items)
        {
            for (int i = items.Length - 1; i > 0; i--)
            {
                int j = (int)NextBelow((ulong)i + 1);
                (items[i], items[j]) = (items[j], items[i]);
            }
        }

        private static ulong Rotl(ulong x, int k) => (x << k) | (x >> (64 - k));
    }
}
