using System.Buffers.Binary;
using Flute.Core.Codecs;

namespace Flute.Core.Tests.Codecs;

public sealed class HalfPrecisionCodecTests
{
    [Fact]
    public void Float16_WritesIeeeHalfBitsAndRoundsToNearest()
    {
        // 1.0 = 0x3C00, -2.0 = 0xC000; 0.1 rounds to the nearest half, 0x2E66 = 0.0999755859375;
        // 70000 is beyond the largest half (65504) and becomes +∞ (0x7C00).
        float[] values = [1f, -2f, 0.1f, 70000f];
        var bytes = new byte[Float16Codec.Instance.EncodedSize(values.Length)];
        Float16Codec.Instance.Encode(values, bytes);
        var decoded = new float[values.Length];
        Float16Codec.Instance.Decode(bytes, decoded);

        Assert.Equal(8, bytes.Length);
        Assert.Equal([0x3C00, 0xC000, 0x2E66, 0x7C00], Enumerable.Range(0, 4).Select(i => (int)BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(2 * i))));
        Assert.Equal([1f, -2f, 0.0999755859375f, float.PositiveInfinity], decoded);
    }

    [Fact]
    public void BFloat16_KeepsTheTopSixteenBitsWithTiesToEven()
    {
        // 1.0 = 0x3F80. 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1.0).
        // 1 + 3·2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): it rounds up to 1.015625.
        // 1 + 2^-8 + 2^-20 is above the halfway point: 1 + 2^-7.
        float[] values = [1f, 1f + 1f / 256, 1f + 3f / 256, 1f + 1f / 256 + 1f / (1 << 20), -3.5f];
        var bytes = new byte[BFloat16Codec.Instance.EncodedSize(values.Length)];
        BFloat16Codec.Instance.Encode(values, bytes);
        var decoded = new float[values.Length];
        BFloat16Codec.Instance.Decode(bytes, decoded);

        Assert.Equal(0x3F80, BinaryPrimitives.ReadUInt16LittleEndian(bytes));
        Assert.Equal([1f, 1f, 1.015625f, 1f + 1f / 128, -3.5f], decoded);
    }

    [Fact]
    public void BFloat16_KeepsNaNAndInfinity()
    {
        float[] values = [float.NaN, float.NegativeInfinity];
        var bytes = new byte[4];
        BFloat16Codec.Instance.Encode(values, bytes);
        var decoded = new float[2];
        BFloat16Codec.Instance.Decode(bytes, decoded);

        Assert.True(float.IsNaN(decoded[0]));
        Assert.Equal(float.NegativeInfinity, decoded[1]);
    }

    [Fact]
    public void Decode_RejectsAWrongLength()
    {
        Assert.Throws<FormatException>(() => Float16Codec.Instance.Decode(new byte[5], new float[3]));
        Assert.Throws<FormatException>(() => BFloat16Codec.Instance.Decode(new byte[4], new float[3]));
        Assert.Throws<ArgumentException>(() => BFloat16Codec.Instance.Encode(new float[3], new byte[4]));
    }
}
