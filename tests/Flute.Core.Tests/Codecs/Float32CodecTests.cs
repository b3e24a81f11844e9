using Flute.Core.Codecs;

namespace Flute.Core.Tests.Codecs;

public sealed class Float32CodecTests
{
    [Fact]
    public void EncodeThenDecode_ReturnsTheSameBits()
    {
        // Arrange
        float[] values = [1f, -0f, float.Epsilon, float.MaxValue, float.NaN, -3.25f];
        var codec = new Float32Codec();
        var bytes = new byte[codec.EncodedSize(values.Length)];
        var decoded = new float[values.Length];

        // Act
        codec.Encode(values, bytes);
        codec.Decode(bytes, decoded);

        // Assert
        Assert.Equal(24, bytes.Length);
        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), decoded.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Encode_WritesLittleEndianFloat32()
    {
        // Arrange: 1.0f is 0x3F800000; −2.0f is 0xC0000000.
        var bytes = new byte[8];

        // Act
        Float32Codec.Instance.Encode([1f, -2f], bytes);

        // Assert
        Assert.Equal(new byte[] { 0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0 }, bytes);
    }

    [Fact]
    public void Decode_RejectsAWrongByteCount()
    {
        // Arrange
        var destination = new float[3];

        // Act and assert
        Assert.Throws<FormatException>(() => Float32Codec.Instance.Decode(new byte[11], destination));
        Assert.Throws<ArgumentException>(() => Float32Codec.Instance.Encode(destination, new byte[13]));
    }
}
