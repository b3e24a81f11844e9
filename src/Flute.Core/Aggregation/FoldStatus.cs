namespace Flute.Core.Aggregation;

/// <summary>
/// The outcome of <see cref="FixedPointAccumulator.TryFold(ReadOnlySpan{float}, double, double)"/>.
/// Every status other than <see cref="Folded"/> means the accumulator is exactly as it was before the call.
/// </summary>
public enum FoldStatus
{
    /// <summary>The update was added to the sums and its weight to the total weight.</summary>
    Folded,

    /// <summary>The update holds a NaN or an infinity.</summary>
    RejectedNonFinite,

    /// <summary>The update's L2 norm exceeds the configured bound.</summary>
    RejectedNorm,

    /// <summary>A scaled value, a parameter sum or the total weight would leave the 64-bit range.</summary>
    RejectedOverflow,

    /// <summary>The weight is not finite, not positive, or rounds to zero at the accumulator's resolution.</summary>
    RejectedWeight,
}
