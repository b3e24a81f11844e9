using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Flute.Core.Randomness;

namespace Flute.Core.Codecs;

/// <summary>
/// IEEE 754 half precision (binary16), 2 bytes per value, round to nearest even. Values beyond ±65504
/// become ±∞ (and the fold then rejects the update as non-finite), so it suits pseudo-gradients, not raw weights.
/// </summary>
public sealed class Float16Codec : IUpdateCodec
{
    /// <summary>The registered name.</summary>
    public const string CodecName = "float16";

    /// <summary>The shared instance (the codec is stateless).</summary>
    public static Float16Codec Instance { get; } = new();

    /// <inheritdoc />
    public string Name => CodecName;

    /// <inheritdoc />
    public int EncodedSize(int count) => TwoByteCodec.Size(count);

    /// <inheritdoc />
    public void Encode(ReadOnlySpan<float> values, Span<byte> destination, DeterministicRandom? random = null)
    {
        TwoByteCodec.CheckEncode(values.Length, destination.Length, CodecName);
        TensorPrimitives.ConvertToHalf(values, MemoryMarshal.Cast<byte, Half>(destination));
    }

    /// <inheritdoc />
    public void Decode(ReadOnlySpan<byte> source, Span<float> destination)
    {
        TwoByteCodec.CheckDecode(source.Length, destination.Length, CodecName);
        TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
    }
}

/// <summary>
/// bfloat16: the top 16 bits of a float32 (8-bit exponent, 7-bit mantissa), round to nearest even, 2 bytes
/// per value. Same range as float32, about 3 significant digits.
/// </summary>
public sealed class BFloat16Codec : IUpdateCodec
{
    /// <summary>The registered name.</summary>
    public const string CodecName = "bfloat16";

    /// <summary>The shared instance (the codec is stateless).</summary>
    public static BFloat16Codec Instance { get; } = new();

    /// <inheritdoc />
    public string Name => CodecName;

    /// <inheritdoc />
    public int EncodedSize(int count) => TwoByteCodec.Size(count);

    /// <inheritdoc />
    public void Encode(ReadOnlySpan<float> values, Span<byte> destination, DeterministicRandom? random = null)
    {
        TwoByteCodec.CheckEncode(values.Length, destination.Length, CodecName);
        Span<ushort> target = MemoryMarshal.Cast<byte, ushort>(destination);
        for (int i = 0; i < values.Length; i++)
        {
            ushort bits = ToBFloat16(values[i]);
            target[i] = BitConverter.IsLittleEndian ? bits : BinaryPrimitives.ReverseEndianness(bits);
        }
    }

    /// <inheritdoc />
    public void Decode(ReadOnlySpan<byte> source, Span<float> destination)
    {
        TwoByteCodec.CheckDecode(source.Length, destination.Length, CodecName);
        ReadOnlySpan<ushort> bits = MemoryMarshal.Cast<byte, ushort>(source);
        Span<uint> target = MemoryMarshal.Cast<float, uint>(destination);
        for (int i = 0; i < bits.Length; i++)
        {
            uint value = BitConverter.IsLittleEndian ? bits[i] : BinaryPrimitives.ReverseEndianness(bits[i]);
            target[i] = value << 16;
        }
    }

    /// <summary>Rounds a float32 to the nearest bfloat16 (ties to even); NaN stays NaN.</summary>
    internal static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x0040); // keep it a quiet NaN after truncation
        }
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }
}

/// <summary>Size and length checks shared by the two-byte codecs.</summary>
internal static class TwoByteCodec
{
    public static int Size(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return checked(count * 2);
    }

    public static void CheckEncode(int values, int destinationBytes, string codec)
    {
        if (destinationBytes != Size(values))
        {
            throw new ArgumentException($"The destination has {destinationBytes} bytes; {values} {codec} values need {Size(values)}.", "destination");
        }
    }

    public static void CheckDecode(int sourceBytes, int values, string codec)
    {
        if (sourceBytes != Size(values))
        {
            throw new FormatException($"A {codec} encoding of {values} values has {Size(values)} bytes, not {sourceBytes}.");
        }
    }
}
