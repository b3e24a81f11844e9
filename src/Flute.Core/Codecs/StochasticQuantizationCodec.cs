using System.Buffers.Binary;
using System.Globalization;
using System.Numerics.Tensors;
using Flute.Core.Randomness;

namespace Flute.Core.Codecs;

/// <summary>
/// Unbiased stochastic n-bit quantization ("quant:N", N = 1..8) with one range per tensor: each tensor
/// of the model (<see cref="TensorLayout"/>) stores its minimum and maximum (two float32) and every value
/// as an N-bit level k of the 2^N evenly spaced levels lo + k·(hi − lo)/(2^N − 1). A value between two
/// levels rounds up with probability equal to its distance from the lower one, so E[decoded] = value
/// (Suresh et al. 2017, stochastic k-level quantization; QSGD, Alistarh et al. 2017, scales per tensor
/// or bucket the same way). The draws come from the caller's stream (StreamPurpose.QuantizationRounding),
/// never DP's noise stream.
/// Encoding: int32 tensor count T, T int32 lengths, then per tensor lo, hi and ⌈len·N/8⌉ bytes of codes
/// (little-endian). The table makes the encoding self-describing, so the registry's unbound instance
/// decodes what a layout-bound instance (<see cref="ForLayout"/>) encoded; unbound, the whole update is
/// one tensor. Size: 4 + 12·T + Σ⌈len·N/8⌉; 8 bits cut mnist-cnn's float32 update (8 tensors) by 3.996×.
/// A tensor with a NaN or ±∞ is sent as NaN bounds, so the fold rejects the update as non-finite.
/// </summary>
public sealed class StochasticQuantizationCodec : IUpdateCodec
{
    /// <summary>The registered name (the bit width follows a colon: "quant:8").</summary>
    public const string CodecName = "quant";

    private const int BoundsBytes = 2 * sizeof(float);

    private readonly int _levels;
    private readonly TensorLayout? _layout;

    /// <summary>Creates the codec for <paramref name="bits"/> bits per value (1..8), unbound: one range for the whole update.</summary>
    public StochasticQuantizationCodec(int bits) : this(bits, null)
    {
    }

    private StochasticQuantizationCodec(int bits, TensorLayout? layout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, 8);
        Bits = bits;
        _levels = (1 << bits) - 1;
        _layout = layout;
    }

    /// <summary>Bits per value.</summary>
    public int Bits { get; }

    /// <summary>The tensor layout this instance encodes with, or null (one tensor).</summary>
    public TensorLayout? Layout => _layout;

    /// <inheritdoc />
    public string Name => $"{CodecName}:{Bits.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The registry's factory: the argument is the bit width.</summary>
    public static StochasticQuantizationCodec Create(string? argument) =>
        int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out int bits) && bits is >= 1 and <= 8
            ? new StochasticQuantizationCodec(bits)
            : throw new ArgumentException($"Codec '{CodecName}' needs a bit width from 1 to 8 (e.g. quant:8), got '{argument}'.");

    /// <summary>This codec with one range per tensor of <paramref name="layout"/>.</summary>
    public IUpdateCodec ForLayout(TensorLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return new StochasticQuantizationCodec(Bits, layout);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The codec is bound to a layout of another value count.</exception>
    public int EncodedSize(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_layout is null) return count == 0 ? sizeof(int) : checked(2 * sizeof(int) + TensorBytes(count));
        if (count != _layout.Count) throw new ArgumentException($"This {Name} codec is bound to a layout of {_layout.Count} values, not {count}.", nameof(count));
        long size = sizeof(int);
        foreach (int length in _layout.Lengths) size += sizeof(int) + TensorBytes(length);
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
        IReadOnlyList<int> lengths = _layout?.Lengths ?? (values.Length == 0 ? [] : [values.Length]);
        BinaryPrimitives.WriteInt32LittleEndian(destination, lengths.Count);
        for (int t = 0; t < lengths.Count; t++) BinaryPrimitives.WriteInt32LittleEndian(destination[((t + 1) * sizeof(int))..], lengths[t]);
        destination = destination[((lengths.Count + 1) * sizeof(int))..];
        foreach (int length in lengths)
        {
            int bytes = TensorBytes(length);
            EncodeTensor(values[..length], destination[..bytes], random);
            values = values[length..];
            destination = destination[bytes..];
        }
    }

    /// <inheritdoc />
    public void Decode(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (source.Length < sizeof(int)) throw Malformed(source.Length, destination.Length, "no tensor count");
        int tensors = BinaryPrimitives.ReadInt32LittleEndian(source);
        if (tensors < 0 || tensors > (source.Length - sizeof(int)) / sizeof(int)) throw Malformed(source.Length, destination.Length, $"tensor count {tensors}");
        ReadOnlySpan<byte> table = source.Slice(sizeof(int), tensors * sizeof(int));
        long values = 0, expected = sizeof(int) + table.Length;
        for (int t = 0; t < tensors; t++)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(table[(t * sizeof(int))..]);
            if (length < 1) throw Malformed(source.Length, destination.Length, $"tensor {t} of length {length}");
            values += length;
            expected += TensorBytes(length);
        }
        if (values != destination.Length || expected != source.Length)
            throw Malformed(source.Length, destination.Length, $"{tensors} tensors of {values} values in {expected} bytes");
        source = source[(sizeof(int) + table.Length)..];
        for (int t = 0; t < tensors; t++)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(table[(t * sizeof(int))..]);
            int bytes = TensorBytes(length);
            DecodeTensor(source[..bytes], destination[..length]);
            source = source[bytes..];
            destination = destination[length..];
        }
    }

    private FormatException Malformed(int bytes, int count, string what) =>
        new($"Not a {Name} encoding of {count} values ({bytes} bytes): {what}.");

    private int TensorBytes(int count) => BoundsBytes + (int)(((long)count * Bits + 7) / 8);

    private void EncodeTensor(ReadOnlySpan<float> values, Span<byte> destination, DeterministicRandom random)
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

    private void DecodeTensor(ReadOnlySpan<byte> source, Span<float> destination)
    {
        float lo = BinaryPrimitives.ReadSingleLittleEndian(source);
        float hi = BinaryPrimitives.ReadSingleLittleEndian(source[sizeof(float)..]);
        ReadOnlySpan<byte> codes = source[BoundsBytes..];
        float step = Step(lo, hi);
        if (Bits == 8)
        {
            // lo + code·step, vectorised: the product and the sum are rounded separately, as the scalar form does.
            TensorPrimitives.ConvertTruncating<byte, float>(codes[..destination.Length], destination);
            TensorPrimitives.Multiply(destination, step, destination);
            TensorPrimitives.Add(destination, lo, destination);
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
