using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using Flute.Core.Randomness;

namespace Flute.Core.Codecs;

/// <summary>
/// Top-k sparsification ("topk:F", 0 &lt; F ≤ 1): sends the k = ⌈F·n⌉ values of largest magnitude
/// (at least one) as k int32 indices in ascending order followed by their k float32 values, 8·k bytes,
/// an exact function of n. Ties at the k-th magnitude go to the lower index, so the choice never depends
/// on sort stability; NaN counts as the largest magnitude, so a non-finite update is sent as such and
/// the fold rejects it. Used with error feedback (<see cref="IErrorFeedbackCodec"/>): the client adds
/// what it did not send before to its next update (Stich, Cordonnier and Jaggi 2018; Aji and Heafield
/// 2017), so over rounds the whole update gets through.
/// </summary>
public sealed class TopKCodec : IErrorFeedbackCodec
{
    /// <summary>The registered name (the fraction follows a colon: "topk:0.01").</summary>
    public const string CodecName = "topk";

    /// <summary>Creates the codec that keeps the fraction <paramref name="fraction"/> (0 &lt; F ≤ 1) of the values.</summary>
    public TopKCodec(double fraction)
    {
        if (!(fraction > 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The fraction must be > 0 and ≤ 1.");
        Fraction = fraction;
    }

    /// <summary>F, the fraction of the values sent.</summary>
    public double Fraction { get; }

    /// <inheritdoc />
    public string Name => $"{CodecName}:{Fraction.ToString("R", CultureInfo.InvariantCulture)}";

    /// <summary>The registry's factory: the argument is the fraction.</summary>
    public static TopKCodec Create(string? argument) =>
        double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out double fraction) && fraction > 0 && fraction <= 1
            ? new TopKCodec(fraction)
            : throw new ArgumentException($"Codec '{CodecName}' needs a fraction > 0 and ≤ 1 of the values to send (e.g. topk:0.01), got '{argument}'.");

    /// <summary>k for <paramref name="count"/> values: ⌈F·count⌉, at least 1 and at most count.</summary>
    public int Kept(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return count == 0 ? 0 : (int)Math.Clamp(Math.Ceiling(Fraction * count), 1, count);
    }

    /// <inheritdoc />
    public int EncodedSize(int count) => checked(Kept(count) * (sizeof(int) + sizeof(float)));

    /// <inheritdoc />
    public void Encode(ReadOnlySpan<float> values, Span<byte> destination, DeterministicRandom? random = null)
    {
        int k = Kept(values.Length);
        if (destination.Length != EncodedSize(values.Length))
            throw new ArgumentException($"The destination has {destination.Length} bytes; {k} of {values.Length} values need {EncodedSize(values.Length)}.", nameof(destination));
        if (k == 0) return;
        float[] magnitudes = ArrayPool<float>.Shared.Rent(values.Length);
        try
        {
            for (int i = 0; i < values.Length; i++) magnitudes[i] = Magnitude(values[i]);
            float threshold = KthLargest(magnitudes.AsSpan(0, values.Length), k);
            // Every value above the threshold, then those equal to it in index order until k: one pass in
            // index order, taking ties only while they fit after all the larger values.
            int above = 0;
            foreach (float value in values)
            {
                if (Magnitude(value) > threshold) above++;
            }
            int ties = k - above;
            Span<byte> indices = destination[..(k * sizeof(int))];
            Span<byte> kept = destination[(k * sizeof(int))..];
            int written = 0;
            for (int i = 0; i < values.Length && written < k; i++)
            {
                float magnitude = Magnitude(values[i]);
                if (magnitude < threshold || (magnitude == threshold && ties-- <= 0)) continue;
                BinaryPrimitives.WriteInt32LittleEndian(indices[(written * sizeof(int))..], i);
                BinaryPrimitives.WriteSingleLittleEndian(kept[(written * sizeof(float))..], values[i]);
                written++;
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(magnitudes);
        }
    }

    /// <inheritdoc />
    public void Decode(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int k = Kept(destination.Length);
        if (source.Length != EncodedSize(destination.Length))
            throw new FormatException($"A {Name} encoding of {destination.Length} values has {EncodedSize(destination.Length)} bytes, not {source.Length}.");
        destination.Clear();
        ReadOnlySpan<byte> indices = source[..(k * sizeof(int))];
        ReadOnlySpan<byte> kept = source[(k * sizeof(int))..];
        int previous = -1;
        for (int j = 0; j < k; j++)
        {
            int index = BinaryPrimitives.ReadInt32LittleEndian(indices[(j * sizeof(int))..]);
            // Strictly ascending and in range: a hostile payload can neither write outside the update nor twice.
            if (index <= previous || index >= destination.Length)
                throw new FormatException($"A {Name} encoding of {destination.Length} values has index {index} after {previous}.");
            destination[index] = BinaryPrimitives.ReadSingleLittleEndian(kept[(j * sizeof(float))..]);
            previous = index;
        }
    }

    private static float Magnitude(float value) => float.IsNaN(value) ? float.PositiveInfinity : Math.Abs(value);

    /// <summary>The k-th largest of <paramref name="keys"/> (1-based), by quickselect; reorders <paramref name="keys"/>.</summary>
    private static float KthLargest(Span<float> keys, int k)
    {
        int target = k - 1, lo = 0, hi = keys.Length - 1;
        while (lo < hi)
        {
            float pivot = MedianOfThree(keys[lo], keys[lo + (hi - lo) / 2], keys[hi]);
            // Three-way partition, descending: [lo, lt) > pivot, [lt, gt] == pivot, (gt, hi] < pivot.
            int lt = lo, gt = hi, i = lo;
            while (i <= gt)
            {
                if (keys[i] > pivot)
                {
                    (keys[i], keys[lt]) = (keys[lt], keys[i]);
                    i++;
                    lt++;
                }
                else if (keys[i] < pivot)
                {
                    (keys[i], keys[gt]) = (keys[gt], keys[i]);
                    gt--;
                }
                else
                {
                    i++;
                }
            }
            if (target < lt) hi = lt - 1;
            else if (target > gt) lo = gt + 1;
            else return pivot;
        }
        return keys[target];
    }

    private static float MedianOfThree(float a, float b, float c) => Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
}
