using System.Runtime.InteropServices;
using Flute.Core.Aggregation;
using Flute.Core.Codecs;

namespace Flute.Core.Tests.Codecs;

public sealed class PseudoGradientPayloadTests
{
    private static readonly PayloadHeader Small = new("e", 1, 2, 3, 4, 0.5, "f");

    [Fact]
    public void Write_ProducesTheDocumentedBytes()
    {
        // Arrange: fixarray(9), version 1, "e", three int64 blocks, an int32 block, float64 0.5, "f", bin32(4).
        byte[] expected =
        [
            0x99, 0x01, 0xA1, (byte)'e',
            0xD3, 0, 0, 0, 0, 0, 0, 0, 1,
            0xD3, 0, 0, 0, 0, 0, 0, 0, 2,
            0xD3, 0, 0, 0, 0, 0, 0, 0, 3,
            0xD2, 0, 0, 0, 4,
            0xCB, 0x3F, 0xE0, 0, 0, 0, 0, 0, 0,
            0xA1, (byte)'f',
            0xC6, 0, 0, 0, 4,
            0xAA, 0xBB, 0xCC, 0xDD,
        ];
        var buffer = new byte[PseudoGradientPayload.SizeOf(Small, 4)];

        // Act
        Memory<byte> data = PseudoGradientPayload.Write(buffer, Small, 4);
        new byte[] { 0xAA, 0xBB, 0xCC, 0xDD }.CopyTo(data);

        // Assert
        Assert.Equal(56, buffer.Length);
        Assert.Equal(expected, buffer);
    }

    [Fact]
    public void Read_ReturnsTheHeaderAndAViewOfTheData()
    {
        // Arrange
        var header = new PayloadHeader("exp-42/run 7", long.MaxValue, long.MinValue, 123_456_789_012, int.MaxValue, -1.25e-3, "float32");
        byte[] payload = new byte[PseudoGradientPayload.SizeOf(header, 12)];
        byte[] bytes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        bytes.CopyTo(PseudoGradientPayload.Write(payload, header, bytes.Length));

        // Act
        PayloadHeader read = PseudoGradientPayload.Read(payload, out ReadOnlyMemory<byte> data);

        // Assert
        Assert.Equal(header, read);
        Assert.Equal(bytes, data.ToArray());
        Assert.True(MemoryMarshal.TryGetArray(data, out ArraySegment<byte> segment));
        Assert.Same(payload, segment.Array);
        Assert.Equal(payload.Length - 12, segment.Offset);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(31, 1)]
    [InlineData(32, 2)]
    [InlineData(255, 2)]
    [InlineData(256, 3)]
    [InlineData(65_535, 3)]
    [InlineData(65_536, 5)]
    public void SizeOf_IsExactForEveryStringHeaderWidth(int experimentLength, int stringHeader)
    {
        // Arrange: 48 fixed bytes + experiment + "float32" (1 + 7) + data.
        var header = new PayloadHeader(new string('x', experimentLength), 0, 0, 0, 0, 0, "float32");
        int expected = 48 + stringHeader + experimentLength + 8 + 100;

        // Act
        int size = PseudoGradientPayload.SizeOf(header, 100);
        byte[] payload = new byte[size];
        PseudoGradientPayload.Write(payload, header, 100);
        PayloadHeader read = PseudoGradientPayload.Read(payload, out ReadOnlyMemory<byte> data);

        // Assert
        Assert.Equal(expected, size);
        Assert.Equal(header.Experiment, read.Experiment);
        Assert.Equal(100, data.Length);
    }

    [Fact]
    public void SizeOf_CountsUtf8BytesAndIgnoresIntegerValues()
    {
        // Arrange: "é" is two UTF-8 bytes; integers are fixed width whatever their value.
        var low = new PayloadHeader("é", 0, 0, 0, 0, 0, "f");
        var high = new PayloadHeader("é", -1, long.MaxValue, long.MinValue, int.MinValue, double.NaN, "f");

        // Act and assert
        Assert.Equal(48 + 3 + 2 + 8, PseudoGradientPayload.SizeOf(low, 8));
        Assert.Equal(PseudoGradientPayload.SizeOf(low, 8), PseudoGradientPayload.SizeOf(high, 8));
        byte[] payload = new byte[PseudoGradientPayload.SizeOf(high, 8)];
        PseudoGradientPayload.Write(payload, high, 8);
        Assert.Equal(high.Client, PseudoGradientPayload.Read(payload, out _).Client);
    }

    [Fact]
    public void WriteAndRead_HandleAnEmptyDataField()
    {
        // Arrange: with no data the header's last byte is the buffer's last byte.
        var header = new PayloadHeader(new string('x', 300), 5, 6, 7, 0, 0, "float32");
        byte[] payload = new byte[PseudoGradientPayload.SizeOf(header, 0)];

        // Act
        Memory<byte> region = PseudoGradientPayload.Write(payload, header, 0);
        PayloadHeader read = PseudoGradientPayload.Read(payload, out ReadOnlyMemory<byte> data);

        // Assert
        Assert.Equal(0, region.Length);
        Assert.Equal(header, read);
        Assert.Equal(0, data.Length);
        Assert.Equal(new byte[] { 0xC6, 0, 0, 0, 0 }, payload[^5..]);
    }

    [Fact]
    public void Write_RejectsADestinationOfTheWrongSize()
    {
        // Arrange
        var buffer = new byte[PseudoGradientPayload.SizeOf(Small, 4) + 1];

        // Act and assert
        Assert.Throws<ArgumentException>(() => PseudoGradientPayload.Write(buffer, Small, 4));
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("trailing")]
    [InlineData("version")]
    [InlineData("fields")]
    [InlineData("type")]
    [InlineData("empty")]
    [InlineData("garbage")]
    public void Read_RejectsMalformedPayloads(string damage)
    {
        // Arrange
        byte[] valid = new byte[PseudoGradientPayload.SizeOf(Small, 4)];
        PseudoGradientPayload.Write(valid, Small, 4);
        byte[] payload = damage switch
        {
            "truncated" => valid[..^1],
            "trailing" => [.. valid, 0],
            "version" => Patch(valid, 1, 0x02),
            "fields" => Patch(valid, 0, 0x98),
            "type" => Patch(valid, 4, 0xA1),
            "empty" => [],
            _ => [0xC1, 0x00, 0x01],
        };

        // Act
        FormatException error = Assert.Throws<FormatException>(() => PseudoGradientPayload.Read(payload, out _));

        // Assert
        Assert.StartsWith("Malformed pseudo-gradient payload", error.Message);
    }

    [Fact]
    public void Payload_CarriesAnUpdateThatFoldsStraightFromItsBytes()
    {
        // Arrange
        float[] update = [0.5f, -1.5f, 2f, 0.25f, -8f];
        var header = Small with { Codec = Float32Codec.CodecName };
        IUpdateCodec codec = CodecRegistry.Get(header.Codec);
        int dataBytes = codec.EncodedSize(update.Length);
        byte[] payload = new byte[PseudoGradientPayload.SizeOf(header, dataBytes)];
        codec.Encode(update, PseudoGradientPayload.Write(payload, header, dataBytes).Span);
        var accumulator = new FixedPointAccumulator(update.Length);

        // Act
        PayloadHeader read = PseudoGradientPayload.Read(payload, out ReadOnlyMemory<byte> data);
        FoldStatus status = accumulator.TryFold(data.Span, read.SampleCount);
        var mean = new float[update.Length];
        accumulator.WeightedMean(mean);

        // Assert
        Assert.Equal(FoldStatus.Folded, status);
        Assert.Equal(update, mean);
        Assert.Equal(4.0, accumulator.TotalWeight);
    }

    private static byte[] Patch(byte[] source, int index, byte value)
    {
        byte[] copy = (byte[])source.Clone();
        copy[index] = value;
        return copy;
    }
}
