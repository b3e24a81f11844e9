using System.Buffers.Binary;
using System.Globalization;
using Flute.Core.Randomness;

namespace Flute.Core.Codecs;

/// <summary>
/// Unbiased stochastic n-bit quantization ("quant:N", N = 1..8), in buckets of <see cref="BucketSize"/>
/// values: each bucket stores its minimum and maximum (two float32) and every value as an N-bit level k
/// of the 2^N evenly spaced levels lo + k·(hi − lo)/(2^N − 1). A value between two levels rounds up with
/// probability equal to its distance from the lower one, so E[decoded] = value (Suresh et al. 2017,
/// stochastic k-level quantization; QSGD, Alistarh et al. 2017, uses buckets the same way). The draws
/// come from the caller's stream (StreamPurpose.QuantizationRounding), never DP's noise stream.
/// Size: per bucket 8 bytes + ⌈len·N/8⌉; 8 bits cut float32 by 4·1024/1032 = 3.97×.
/// A bucket with a NaN or ±∞ is sent as NaN bounds, so the fold rejects the update as non-finite.
/// </summary>
public sealed class StochasticQuantizationCodec : IUpdateCodec
{
    /// <summary>The registered name (the bit width follows a colon: "quant:8").</summary>
    public const string CodecName = "quant";

    /// <summary>Values per bucket (each bucket has its own range).</summary>
    public const int BucketSize = 1024;

    private const int BoundsBytes = 2 * sizeof(float);

    private readonly int _levels;

    /// <summary>Creates the codec for <paramref name="bits"/> bits per value (1..8).</summary>
    public StochasticQuantizationCodec(int bits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, 8);
        Bits = bits;
        _levels = (1 << bits) - 1;
    }

    /// <summary>Bits per value.</summary>
    public int Bits { get; }

    /// <inheritdoc />
    public string Name => $"{CodecName}:{Bits.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The registry's factory: the argument is the bit width.</summary>
    public static StochasticQuantizationCodec Create(string? argument) =>
        int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out int bits) && bits is >= 1 and <= 8
            ? new StochasticQuantizationCodec(bits)
            : throw new ArgumentException($"Codec '{CodecName}' needs a bit width from 1 to 8 (e.g. quant:8), got '{argument}'.");

    /// <inheritdoc />
    public int EncodedSize(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        long full = count / BucketSize;
        int rest = count % BucketSize;
        long size = full * BucketBytes(BucketSize) + (rest > 0 ? BucketBytes(rest) : 0);
        return checked((int)size);
    }

    /// <inheritdoc />
    public void Encode(ReadOnlySpan<float> values, Span<byte> destination, DeterministicRandom? random = null)
    {
        ArgumentNullException.ThrowIfNull(random, nameof(random));
        if (destination.Length != EncodedSize(values.Length))
        {
            throw new ArgumentException($"The destination has {destination.Length} bytes; {values.Length} values at {Bits} bits need {EncodedSize(values.Length)}.", nameof(destination));
        }
        for (int start = 0; start < values.Length; start += BucketSize)
        {
            ReadOnlySpan<float> bucket = values.Slice(start, Math.Min(BucketSize, values.Length - start));
            int bytes = BucketBytes(bucket.Length);
            EncodeBucket(bucket, destination[..bytes], random);
            destination = destination[bytes..];
        }
    }

    /// <inheritdoc />
    public void Decode(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (source.Length != EncodedSize(destination.Length))
        {
            throw new FormatException($"A {Name} encoding of {destination.Length} values has {EncodedSize(destination.Length)} bytes, not {source.Length}.");
        }
        for (int start = 0; start < destination.Length; start += BucketSize)
        {
            Span<float> bucket = destination.Slice(start, Math.Min(BucketSize, destination.Length - start));
            int bytes = BucketBytes(bucket.Length);
            DecodeBucket(source[..bytes], bucket);
            source = source[bytes..];
        }
    }

    private int BucketBytes(int count) => BoundsBytes + (count * Bits + 7) / 8;

    private void EncodeBucket(ReadOnlySpan<float> values, Span<byte> destination, DeterministicRandom random)
    {
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        bool finite = true;
        foreach (float value in values)
        {
            finite &= float.IsFinite(value);
            lo = Math.Min(lo, value);
            hi = Math.Max(hi, value);
        }
        if (!finite)
        {
            lo = hi = float.NaN;
        }
        BinaryPrimitives.WriteSingleLittleEndian(destination, lo);
        BinaryPrimitives.WriteSingleLittleEndian(destination[sizeof(float)..], hi);
        Span<byte> codes = destination[BoundsBytes..];
        codes.Clear();
        float step = Step(lo, hi);
        int bit = 0;
        foreach (float value in values)
        {
            int level = 0;
            if (step > 0)
            {
                double position = Math.Clamp((value - (double)lo) / step, 0, _levels);
                level = (int)position;
                if (level < _levels && random.NextDouble() < position - level)
                {
                    level++;
                }
            }
            WriteBits(codes, bit, level);
            bit += Bits;
        }
    }

    private void DecodeBucket(ReadOnlySpan<byte> source, Span<float> destination)
    {
        float lo = BinaryPrimitives.ReadSingleLittleEndian(source);
        float hi = BinaryPrimitives.ReadSingleLittleEndian(source[sizeof(float)..]);
        ReadOnlySpan<byte> codes = source[BoundsBytes..];
        float step = Step(lo, hi);
        if (Bits == 8)
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = lo + codes[i] * step;
            }
            return;
        }
        int mask = _levels;
        for (int i = 0, bit = 0; i < destination.Length; i++, bit += Bits)
        {
            // A code of ≤ 8 bits spans at most two bytes.
            int pair = codes[bit >> 3] | ((bit >> 3) + 1 < codes.Length ? codes[(bit >> 3) + 1] << 8 : 0);
            destination[i] = lo + ((pair >> (bit & 7)) & mask) * step;
        }
    }

    // NaN bounds give a NaN step, so every decoded value is NaN; equal bounds give 0 and every value is lo.
    private float Step(float lo, float hi) => (hi - lo) / _levels;

    private static void WriteBits(Span<byte> codes, int bit, int level)
    {
        int index = bit >> 3;
        int shifted = level << (bit & 7);
        codes[index] |= (byte)shifted;
        if ((shifted >> 8) != 0)
        {
            codes[index + 1] |= (byte)(shifted >> 8);
        }
    }
}
