using System.Numerics;
using System.Runtime.CompilerServices;

namespace Flute.Core.Randomness;

/// <summary>
/// A random stream derived from (seed, purpose, round, client) by a counter-based hash: no shared
/// mutable state, so draws never depend on thread timing or arrival order (DESIGN.md, determinism
/// contract). The generator is xoshiro256** seeded through SplitMix64.
/// </summary>
public sealed class DeterministicRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareGaussian;

    /// <summary>Creates the stream for one (seed, purpose, round, client); -1 means "not applicable".</summary>
    public static DeterministicRandom For(ulong seed, StreamPurpose purpose, long round = -1, long client = -1) =>
        new(DeriveKey(seed, purpose, round, client));

    /// <summary>The 64-bit key of a stream, for seeding other generators (e.g. a torch.Generator).</summary>
    public static ulong DeriveKey(ulong seed, StreamPurpose purpose, long round = -1, long client = -1)
    {
        ulong h = Mix(seed ^ 0x9E3779B97F4A7C15UL);
        h = Mix(h ^ (ulong)purpose);
        h = Mix(h ^ unchecked((ulong)round));
        h = Mix(h ^ unchecked((ulong)client));
        return h;
    }

    public DeterministicRandom(ulong key)
    {
        ulong x = key;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, maxExclusive), unbiased (Lemire's method).</summary>
    public ulong NextUInt64(ulong maxExclusive)
    {
        if (maxExclusive == 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive));
        ulong x = NextUInt64();
        UInt128 m = (UInt128)x * maxExclusive;
        ulong low = (ulong)m;
        if (low < maxExclusive)
        {
            ulong threshold = (0UL - maxExclusive) % maxExclusive;
            while (low < threshold)
            {
                x = NextUInt64();
                m = (UInt128)x * maxExclusive;
                low = (ulong)m;
            }
        }
        return (ulong)(m >> 64);
    }

    public long NextInt64(long maxExclusive) => (long)NextUInt64((ulong)maxExclusive);

    public int NextInt32(int maxExclusive) => (int)NextUInt64((ulong)maxExclusive);

    /// <summary>Standard normal draw (Marsaglia polar method).</summary>
    public double NextGaussian()
    {
        if (_spareGaussian is double spare)
        {
            _spareGaussian = null;
            return spare;
        }
        double u, v, s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double f = Math.Sqrt(-2 * Math.Log(s) / s);
        _spareGaussian = v * f;
        return u * f;
    }

    public double NextGaussian(double mean, double stdDev) => mean + stdDev * NextGaussian();

    public double NextLogNormal(double mu, double sigma) => Math.Exp(NextGaussian(mu, sigma));

    /// <summary>Gamma(shape, 1) draw (Marsaglia and Tsang 2000), for Dirichlet partitions.</summary>
    public double NextGamma(double shape)
    {
        if (shape <= 0) throw new ArgumentOutOfRangeException(nameof(shape));
        if (shape < 1)
        {
            double u = NextDouble();
            return NextGamma(shape + 1) * Math.Pow(u == 0 ? double.Epsilon : u, 1 / shape);
        }
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = NextGaussian();
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x) return d * v;
            if (Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v))) return d * v;
        }
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt32(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        return Mix(x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
