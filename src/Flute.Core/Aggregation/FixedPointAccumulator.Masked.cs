using System.Numerics.Tensors;

namespace Flute.Core.Aggregation;

/// <summary>
/// The secure-aggregation side of the accumulator (docs/privacy.md, "Secure aggregation"): a client
/// turns its weighted update into the very integers <see cref="TryFold(ReadOnlySpan{float}, double, double)"/>
/// would add, masks them (<see cref="PairwiseMasks"/>), and the fold adds the masked integers modulo
/// 2^64. Pairwise masks cancel exactly in that ring, so once the leftover masks of clients that sent
/// nothing are removed the sums are the unmasked ones, bit for bit.
/// </summary>
public sealed partial class FixedPointAccumulator
{
    /// <summary>
    /// Writes round(x · w · 2^F) for every value into <paramref name="destination"/> — the integers
    /// <see cref="TryFold(ReadOnlySpan{float}, double, double)"/> adds, by the same code — and the
    /// fixed-point weight. A rejected update (bad weight, NaN/Inf, norm, a value out of range) leaves
    /// <paramref name="destination"/> zeroed and returns the reason, as the fold would.
    /// </summary>
    /// <exception cref="ArgumentException">The destination's length differs from the update's.</exception>
    public static FoldStatus TryConvert(
        ReadOnlySpan<float> update, double weight, Span<long> destination,
        int fractionBits = DefaultFractionBits, double maxNorm = double.PositiveInfinity)
    {
        if (destination.Length != update.Length)
            throw new ArgumentException($"The destination has {destination.Length} values; the update has {update.Length}.", nameof(destination));
        if ((uint)fractionBits > MaxFractionBits)
            throw new ArgumentOutOfRangeException(nameof(fractionBits), fractionBits, $"Fraction bits must be in [0, {MaxFractionBits}].");
        destination.Clear();
        FoldStatus weightStatus = FixWeight(weight, Math.ScaleB(1.0, fractionBits), out double scale, out _);
        if (weightStatus != FoldStatus.Folded) return weightStatus;
        // From zero a sum cannot carry, so "overflow" here means a single value out of range.
        (double sumOfSquares, bool overflow) = Apply<Adding>(update, scale, destination);
        FoldStatus status = Classify(sumOfSquares, maxNorm, overflow);
        if (status != FoldStatus.Folded) destination.Clear();
        return status;
    }

    /// <summary>
    /// Adds one masked update (integers from <see cref="TryConvert"/> plus masks) modulo 2^64, and its
    /// public weight exactly as <see cref="TryFold(ReadOnlySpan{float}, double, double)"/> would. The
    /// per-parameter sums cannot be range-checked: masked values are uniform in the ring by design.
    /// </summary>
    /// <exception cref="ArgumentException">The update's length differs from <see cref="Length"/>.</exception>
    public FoldStatus TryFoldMasked(ReadOnlySpan<long> masked, double weight)
    {
        if (masked.Length != _sums.Length)
            throw new ArgumentException($"The masked update has {masked.Length} values; the accumulator holds {_sums.Length}.", nameof(masked));
        FoldStatus weightStatus = FixWeight(weight, _unit, out _, out long fixedWeight);
        if (weightStatus != FoldStatus.Folded) return weightStatus;
        long newWeightSum = unchecked(_weightSum + fixedWeight);
        if (newWeightSum < _weightSum) return FoldStatus.RejectedOverflow;
        // long addition wraps (unchecked context): arithmetic mod 2^64, where the masks cancel.
        TensorPrimitives.Add(_sums, masked, _sums);
        _weightSum = newWeightSum;
        _count++;
        return FoldStatus.Folded;
    }

    /// <summary>
    /// Merges another accumulator of masked sums modulo 2^64 (a silo's partial). Unlike <see cref="Add"/>
    /// it cannot detect overflow: masked sums look random until the leftover masks are removed.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths or fraction bits differ.</exception>
    /// <exception cref="OverflowException">The total weight would overflow; this accumulator is left unchanged.</exception>
    public void AddWrapping(FixedPointAccumulator other)
    {
        long newWeightSum = MergedWeightSum(other);
        TensorPrimitives.Add(_sums, other._sums, _sums);
        _weightSum = newWeightSum;
        _count += other._count;
    }

    /// <summary>
    /// Removes the masks that did not cancel because some cohort members sent nothing (the server's
    /// share of Bonawitz et al.'s dropout recovery); returns the number of (survivor, non-survivor) pairs.
    /// </summary>
    /// <exception cref="ArgumentException">A survivor is not in the masks' cohort.</exception>
    public int RemoveLeftoverMasks(PairwiseMasks masks, IReadOnlySet<long> survivors)
    {
        ArgumentNullException.ThrowIfNull(masks);
        return masks.RemoveLeftover(_sums, survivors);
    }

    /// <summary>The fold's verdict on one pass of <see cref="Apply{TDirection}"/>: NaN/Inf first, then the norm bound, then the range.</summary>
    private static FoldStatus Classify(double sumOfSquares, double maxNorm, bool overflow) =>
        !double.IsFinite(sumOfSquares) ? FoldStatus.RejectedNonFinite
        : Math.Sqrt(sumOfSquares) > maxNorm ? FoldStatus.RejectedNorm
        : overflow ? FoldStatus.RejectedOverflow
        : FoldStatus.Folded;

    /// <summary>The total weight after merging <paramref name="other"/>, checking that the two can merge.</summary>
    private long MergedWeightSum(FixedPointAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Length != Length || other.FractionBits != FractionBits)
        {
            throw new ArgumentException(
                $"Cannot merge an accumulator of {other.Length} values at F = {other.FractionBits} into one of {Length} values at F = {FractionBits}.",
                nameof(other));
        }
        long newWeightSum = unchecked(_weightSum + other._weightSum);
        if (newWeightSum < _weightSum) throw new OverflowException("Merging would overflow the total weight.");
        return newWeightSum;
    }

    /// <summary>
    /// round(w · 2^F) as a long, with the scale every value is multiplied by; the status says why a
    /// weight is unusable (not finite, not positive, rounds to zero, or out of range).
    /// </summary>
    private static FoldStatus FixWeight(double weight, double unit, out double scale, out long fixedWeight)
    {
        scale = 0;
        fixedWeight = 0;
        if (!double.IsFinite(weight) || weight <= 0) return FoldStatus.RejectedWeight;
        scale = weight * unit;
        double roundedWeight = Math.Round(scale);
        if (!(roundedWeight < LongLimit)) return FoldStatus.RejectedOverflow;
        fixedWeight = (long)roundedWeight;
        return fixedWeight == 0 ? FoldStatus.RejectedWeight : FoldStatus.Folded;
    }
}
