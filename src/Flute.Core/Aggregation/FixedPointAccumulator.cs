using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Flute.Core.Aggregation;

/// <summary>
/// An exact, order-independent weighted sum of parameter vectors (DESIGN.md, "Determinism contract").
/// Each parameter is one <see cref="long"/> holding Σ round(xᵢ · w · 2^F) with F = <see cref="FractionBits"/>;
/// the total weight is kept the same way. Integer addition is associative, so the sums are bitwise
/// identical for any fold order and any split into partial accumulators merged with <see cref="Add"/>.
/// </summary>
/// <remarks>
/// <para>
/// The scale trades range for resolution. A weighted value is stored to the nearest 2^-F, and every
/// weighted value, every per-parameter sum and the total weight must stay below 2^(63-F) in magnitude.
/// With the default F = 36 the resolution is 2^-36 ≈ 1.5e-11 and the range ±2^27 ≈ ±1.3e8: enough for
/// sample-count weights summing to about a hundred million with update values of order one. Lower F
/// when the total weight or the weighted values are larger (F = 28 gives ±3.4e10 at 3.7e-9); raise it
/// when both are small. Anything out of range is rejected, never wrapped.
/// </para>
/// <para>
/// Not thread-safe: fold from one thread (a grain turn), or give each thread its own accumulator
/// and merge them with <see cref="Add"/>, which gives the same bits.
/// </para>
/// </remarks>
public sealed partial class FixedPointAccumulator
{
    /// <summary>The default number of fraction bits F.</summary>
    public const int DefaultFractionBits = 36;

    /// <summary>The largest F: leaves a sign bit and one integer bit.</summary>
    public const int MaxFractionBits = 62;

    // 2^63: the smallest magnitude a long cannot hold.
    private const double LongLimit = 9223372036854775808.0;

    private readonly long[] _sums;
    private readonly double _unit;
    private long _weightSum;
    private int _count;

    /// <summary>Creates an empty accumulator for vectors of <paramref name="length"/> values.</summary>
    public FixedPointAccumulator(int length, int fractionBits = DefaultFractionBits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if ((uint)fractionBits > MaxFractionBits)
        {
            throw new ArgumentOutOfRangeException(nameof(fractionBits), fractionBits, $"Fraction bits must be in [0, {MaxFractionBits}].");
        }
        _sums = new long[length];
        FractionBits = fractionBits;
        _unit = Math.ScaleB(1.0, fractionBits);
    }

    /// <summary>Number of parameters.</summary>
    public int Length => _sums.Length;

    /// <summary>F: values are stored as integer multiples of 2^-F.</summary>
    public int FractionBits { get; }

    /// <summary>Number of updates folded (including those merged through <see cref="Add"/>).</summary>
    public int Count => _count;

    /// <summary>Σ w over the folded updates, each weight rounded to the nearest 2^-F.</summary>
    public double TotalWeight => _weightSum / _unit;

    /// <summary>The raw per-parameter sums, in units of 2^-F (for persistence and partial aggregates).</summary>
    public ReadOnlySpan<long> Sums => _sums;

    /// <summary>The raw total weight, in units of 2^-F.</summary>
    public long WeightSum => _weightSum;

    /// <summary>Rebuilds an accumulator from its raw state (<see cref="Sums"/>, <see cref="WeightSum"/>, <see cref="Count"/>).</summary>
    public static FixedPointAccumulator FromState(ReadOnlySpan<long> sums, long weightSum, int count, int fractionBits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(weightSum);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var accumulator = new FixedPointAccumulator(sums.Length, fractionBits);
        sums.CopyTo(accumulator._sums);
        accumulator._weightSum = weightSum;
        accumulator._count = count;
        return accumulator;
    }

    /// <summary>
    /// Adds <paramref name="weight"/> · <paramref name="update"/> to the sums, or rejects the update and
    /// leaves the accumulator exactly unchanged. <paramref name="maxNorm"/> bounds the L2 norm of the
    /// unweighted update.
    /// </summary>
    /// <exception cref="ArgumentException">The update's length differs from <see cref="Length"/>.</exception>
    public FoldStatus TryFold(ReadOnlySpan<float> update, double weight, double maxNorm = double.PositiveInfinity)
    {
        if (update.Length != _sums.Length)
        {
            throw new ArgumentException($"The update has {update.Length} values; the accumulator holds {_sums.Length}.", nameof(update));
        }
        if (double.IsNaN(maxNorm) || maxNorm < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The norm bound must be a non-negative number.");
        }
        FoldStatus weightStatus = FixWeight(weight, _unit, out double scale, out long fixedWeight);
        if (weightStatus != FoldStatus.Folded)
        {
            return weightStatus;
        }
        long newWeightSum = unchecked(_weightSum + fixedWeight);
        if (newWeightSum < _weightSum)
        {
            return FoldStatus.RejectedOverflow;
        }

        // One pass folds and measures; a rejection is rare, so it pays a second pass that subtracts the
        // very same integers (two's-complement wrap-around makes add-then-subtract an exact identity).
        (double sumOfSquares, bool overflow) = Apply<Adding>(update, scale, _sums);
        FoldStatus status = Classify(sumOfSquares, maxNorm, overflow);
        if (status != FoldStatus.Folded)
        {
            Apply<Subtracting>(update, scale, _sums);
            return status;
        }
        _weightSum = newWeightSum;
        _count++;
        return FoldStatus.Folded;
    }

    /// <summary>
    /// As <see cref="TryFold(ReadOnlySpan{float}, double, double)"/>, reading little-endian float32 bytes in
    /// place (e.g. the data region of a payload), without a copy.
    /// </summary>
    public FoldStatus TryFold(ReadOnlySpan<byte> float32LittleEndian, double weight, double maxNorm = double.PositiveInfinity)
    {
        if (float32LittleEndian.Length != _sums.Length * sizeof(float))
        {
            throw new ArgumentException(
                $"The update has {float32LittleEndian.Length} bytes; the accumulator holds {_sums.Length} float32 values.",
                nameof(float32LittleEndian));
        }
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Reading float32 payloads in place needs a little-endian machine.");
        }
        return TryFold(MemoryMarshal.Cast<byte, float>(float32LittleEndian), weight, maxNorm);
    }

    /// <summary>Writes Σ w·x / Σ w into <paramref name="destination"/> (once per round).</summary>
    /// <exception cref="InvalidOperationException">Nothing has been folded.</exception>
    public void WeightedMean(Span<float> destination)
    {
        if (destination.Length != _sums.Length)
        {
            throw new ArgumentException($"The destination has {destination.Length} values; the accumulator holds {_sums.Length}.", nameof(destination));
        }
        if (_weightSum == 0)
        {
            throw new InvalidOperationException("No update has been folded, so there is no mean.");
        }

        // Sums and weight share the 2^-F unit, so it cancels in the quotient.
        double total = _weightSum;
        ref long src = ref MemoryMarshal.GetArrayDataReference(_sums);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        nuint n = (nuint)_sums.Length;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var divisor = Vector512.Create(total);
            for (; i + 16 <= n; i += 16)
            {
                Vector512<double> lo = Vector512.ConvertToDouble(Vector512.LoadUnsafe(ref src, i)) / divisor;
                Vector512<double> hi = Vector512.ConvertToDouble(Vector512.LoadUnsafe(ref src, i + 8)) / divisor;
                Vector512.Narrow(lo, hi).StoreUnsafe(ref dst, i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var divisor = Vector256.Create(total);
            for (; i + 8 <= n; i += 8)
            {
                Vector256<double> lo = Vector256.ConvertToDouble(Vector256.LoadUnsafe(ref src, i)) / divisor;
                Vector256<double> hi = Vector256.ConvertToDouble(Vector256.LoadUnsafe(ref src, i + 4)) / divisor;
                Vector256.Narrow(lo, hi).StoreUnsafe(ref dst, i);
            }
        }
        for (; i < n; i++)
        {
            Unsafe.Add(ref dst, i) = (float)(Unsafe.Add(ref src, i) / total);
        }
    }

    /// <summary>
    /// Merges another accumulator's sums into this one (e.g. per-silo partial aggregates). Exact: the
    /// result is the same as folding all of <paramref name="other"/>'s updates here.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths or fraction bits differ.</exception>
    /// <exception cref="OverflowException">A sum would overflow; this accumulator is left unchanged.</exception>
    public void Add(FixedPointAccumulator other)
    {
        long newWeightSum = MergedWeightSum(other);
        if (AddSums(_sums, other._sums, negate: false))
        {
            AddSums(_sums, other._sums, negate: true);
            throw new OverflowException("Merging would overflow a parameter sum; lower the fraction bits.");
        }
        _weightSum = newWeightSum;
        _count += other._count;
    }

    /// <summary>Empties the accumulator for the next round, keeping its storage.</summary>
    public void Reset()
    {
        Array.Clear(_sums);
        _weightSum = 0;
        _count = 0;
    }

    // Returns true when any element's signed addition overflowed (the sums are wrapped, not restored).
    private static bool AddSums(long[] sums, long[] addend, bool negate)
    {
        long overflowBits = 0;
        for (int i = 0; i < sums.Length; i++)
        {
            long s = sums[i];
            long a = addend[i];
            long r = negate ? unchecked(s - a) : unchecked(s + a);
            overflowBits |= negate ? 0 : (s ^ r) & (a ^ r);
            sums[i] = r;
        }
        return overflowBits < 0;
    }

    private interface IDirection
    {
        static abstract bool IsAdd { get; }
    }

    private readonly struct Adding : IDirection
    {
        public static bool IsAdd => true;
    }

    private readonly struct Subtracting : IDirection
    {
        public static bool IsAdd => false;
    }

    /// <summary>
    /// Adds (or subtracts) round(x · scale) to every sum. When adding it also returns Σ x² (NaN or ∞ iff
    /// the input holds one, since float32 squares cannot overflow a double sum) and whether any scaled
    /// value or sum left the long range. Every path (512, 256, scalar) computes the same integers: one
    /// IEEE double multiply, round half to even, and a saturating conversion, so add and subtract match.
    /// </summary>
    private static (double SumOfSquares, bool Overflow) Apply<TDirection>(ReadOnlySpan<float> update, double scale, Span<long> sums)
        where TDirection : struct, IDirection
    {
        ref float src = ref MemoryMarshal.GetReference(update);
        ref long dst = ref MemoryMarshal.GetReference(sums);
        nuint n = (nuint)sums.Length;
        nuint i = 0;
        double sumOfSquares = 0;
        long overflowBits = 0;
        bool outOfRange = false;

        if (Vector512.IsHardwareAccelerated)
        {
            var vScale = Vector512.Create(scale);
            var limit = Vector512.Create(LongLimit);
            Vector512<double> squaresLo = Vector512<double>.Zero, squaresHi = Vector512<double>.Zero;
            Vector512<double> tooLarge = Vector512<double>.Zero;
            Vector512<long> carry = Vector512<long>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                (Vector512<double> lo, Vector512<double> hi) = Vector512.Widen(Vector512.LoadUnsafe(ref src, i));
                Vector512<double> roundedLo = Vector512.Round(lo * vScale);
                Vector512<double> roundedHi = Vector512.Round(hi * vScale);
                Vector512<long> fixedLo = Vector512.ConvertToInt64(roundedLo);
                Vector512<long> fixedHi = Vector512.ConvertToInt64(roundedHi);
                Vector512<long> sumLo = Vector512.LoadUnsafe(ref dst, i);
                Vector512<long> sumHi = Vector512.LoadUnsafe(ref dst, i + 8);
                if (TDirection.IsAdd)
                {
                    squaresLo = Vector512.FusedMultiplyAdd(lo, lo, squaresLo);
                    squaresHi = Vector512.FusedMultiplyAdd(hi, hi, squaresHi);
                    tooLarge |= Vector512.GreaterThanOrEqual(Vector512.Abs(roundedLo), limit)
                        | Vector512.GreaterThanOrEqual(Vector512.Abs(roundedHi), limit);
                    Vector512<long> newLo = sumLo + fixedLo;
                    Vector512<long> newHi = sumHi + fixedHi;
                    carry |= ((sumLo ^ newLo) & (fixedLo ^ newLo)) | ((sumHi ^ newHi) & (fixedHi ^ newHi));
                    newLo.StoreUnsafe(ref dst, i);
                    newHi.StoreUnsafe(ref dst, i + 8);
                }
                else
                {
                    (sumLo - fixedLo).StoreUnsafe(ref dst, i);
                    (sumHi - fixedHi).StoreUnsafe(ref dst, i + 8);
                }
            }
            if (TDirection.IsAdd)
            {
                sumOfSquares = Vector512.Sum(squaresLo + squaresHi);
                outOfRange = tooLarge != Vector512<double>.Zero;
                overflowBits = carry.ExtractMostSignificantBits() != 0 ? -1 : 0;
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var vScale = Vector256.Create(scale);
            var limit = Vector256.Create(LongLimit);
            Vector256<double> squaresLo = Vector256<double>.Zero, squaresHi = Vector256<double>.Zero;
            Vector256<double> tooLarge = Vector256<double>.Zero;
            Vector256<long> carry = Vector256<long>.Zero;
            for (; i + 8 <= n; i += 8)
            {
                (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(Vector256.LoadUnsafe(ref src, i));
                Vector256<double> roundedLo = Vector256.Round(lo * vScale);
                Vector256<double> roundedHi = Vector256.Round(hi * vScale);
                Vector256<long> fixedLo = Vector256.ConvertToInt64(roundedLo);
                Vector256<long> fixedHi = Vector256.ConvertToInt64(roundedHi);
                Vector256<long> sumLo = Vector256.LoadUnsafe(ref dst, i);
                Vector256<long> sumHi = Vector256.LoadUnsafe(ref dst, i + 4);
                if (TDirection.IsAdd)
                {
                    squaresLo = Vector256.FusedMultiplyAdd(lo, lo, squaresLo);
                    squaresHi = Vector256.FusedMultiplyAdd(hi, hi, squaresHi);
                    tooLarge |= Vector256.GreaterThanOrEqual(Vector256.Abs(roundedLo), limit)
                        | Vector256.GreaterThanOrEqual(Vector256.Abs(roundedHi), limit);
                    Vector256<long> newLo = sumLo + fixedLo;
                    Vector256<long> newHi = sumHi + fixedHi;
                    carry |= ((sumLo ^ newLo) & (fixedLo ^ newLo)) | ((sumHi ^ newHi) & (fixedHi ^ newHi));
                    newLo.StoreUnsafe(ref dst, i);
                    newHi.StoreUnsafe(ref dst, i + 4);
                }
                else
                {
                    (sumLo - fixedLo).StoreUnsafe(ref dst, i);
                    (sumHi - fixedHi).StoreUnsafe(ref dst, i + 4);
                }
            }
            if (TDirection.IsAdd)
            {
                sumOfSquares = Vector256.Sum(squaresLo + squaresHi);
                outOfRange = tooLarge != Vector256<double>.Zero;
                overflowBits = carry.ExtractMostSignificantBits() != 0 ? -1 : 0;
            }
        }

        for (; i < n; i++)
        {
            double x = Unsafe.Add(ref src, i);
            double rounded = Math.Round(x * scale);
            long fixedValue = (long)rounded;
            ref long sum = ref Unsafe.Add(ref dst, i);
            if (TDirection.IsAdd)
            {
                sumOfSquares = Math.FusedMultiplyAdd(x, x, sumOfSquares);
                outOfRange |= Math.Abs(rounded) >= LongLimit;
                long newSum = unchecked(sum + fixedValue);
                overflowBits |= (sum ^ newSum) & (fixedValue ^ newSum);
                sum = newSum;
            }
            else
            {
                sum = unchecked(sum - fixedValue);
            }
        }
        return (sumOfSquares, outOfRange || overflowBits < 0);
    }
}
