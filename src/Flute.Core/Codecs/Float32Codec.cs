using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Flute.Core.Randomness;

namespace Flute.Core.Codecs;

/// <summary>
/// The identity codec: raw little-endian float32, 4 bytes per value. Its data can be folded straight
/// from the payload (<c>FixedPointAccumulator.TryFold(ReadOnlySpan&lt;byte&gt;, …)</c>) without decoding.
/// </summary>
public sealed class Float32Codec : IUpdateCodec
{
    /// <summary>The registered name.</summary>
    public const string CodecName = "float32";

    /// <summary>The shared instance (the codec is stateless).</summary>
    public static Float32Codec Instance { get; } = new();

    /// <inheritdoc />
    public string Name => CodecName;

    /// <inheritdoc />
    public int EncodedSize(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return checked(count * sizeof(float));
    }

    /// <inheritdoc />
    public void Encode(ReadOnlySpan<float> values, Span<byte> destination, DeterministicRandom? random = null)
    {
        int size = EncodedSize(values.Length);
        if (destination.Length != size)
        {
            throw new ArgumentException($"The destination has {destination.Length} bytes; {values.Length} float32 values need {size}.", nameof(destination));
        }
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(destination);
            return;
        }
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(destination[(i * sizeof(float))..], values[i]);
        }
    }

    /// <inheritdoc />
    public void Decode(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (source.Length != EncodedSize(destination.Length))
        {
            throw new FormatException($"A float32 encoding of {destination.Length} values has {destination.Length * sizeof(float)} bytes, not {source.Length}.");
        }
        if (BitConverter.IsLittleEndian)
        {
            source.CopyTo(MemoryMarshal.AsBytes(destination));
            return;
        }
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * sizeof(float))..]);
        }
    }
}
