using Flute.Core.Persistence;

namespace Flute.Core.Tests.Persistence;

public sealed class CheckpointCodecTests
{
    private static readonly float[] Awkward =
    [
        1.0f,
        -0.0f,
        0.0f,
        BitConverter.Int32BitsToSingle(0x7FC01234),
        BitConverter.Int32BitsToSingle(unchecked((int)0xFF800001)),
        float.PositiveInfinity,
        float.NegativeInfinity,
        float.Epsilon,
        -float.MaxValue,
    ];

    [Fact]
    public void EncodeFloats_WritesLittleEndianIeeeBits()
    {
        // Arrange: 1.0f = 0x3F800000, -0.0f = 0x80000000.
        byte[] expected = [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x80];

        // Act
        byte[] bytes = CheckpointCodec.EncodeFloats([1.0f, -0.0f]);

        // Assert
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void Floats_RoundTripBitForBit()
    {
        // Act
        float[] decoded = CheckpointCodec.DecodeFloats(CheckpointCodec.EncodeFloats(Awkward));

        // Assert
        Assert.Equal(Bits(Awkward), Bits(decoded));
    }

    [Fact]
    public void DecodeFloats_RejectsALengthThatIsNotAMultipleOfFour()
    {
        Assert.Throws<FormatException>(() => CheckpointCodec.DecodeFloats(new byte[7]));
    }

    [Fact]
    public void EncodeFloatArrays_WritesCountLengthsThenData()
    {
        // Arrange: count 2, lengths 1 and 0, then 1.0f.
        byte[] expected = [2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x80, 0x3F];

        // Act
        byte[] bytes = CheckpointCodec.EncodeFloatArrays([[1.0f], []]);

        // Assert
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void FloatArrays_RoundTripBitForBit()
    {
        // Arrange
        float[][] state = [Awkward, [], [-0.0f, 3.5f]];

        // Act
        IReadOnlyList<float[]> decoded = CheckpointCodec.DecodeFloatArrays(CheckpointCodec.EncodeFloatArrays(state));

        // Assert
        Assert.Equal(3, decoded.Count);
        for (int i = 0; i < state.Length; i++)
        {
            Assert.Equal(Bits(state[i]), Bits(decoded[i]));
        }
    }

    [Fact]
    public void AnEmptyStateList_RoundTrips()
    {
        // Act
        byte[] bytes = CheckpointCodec.EncodeFloatArrays([]);

        // Assert
        Assert.Equal([0, 0, 0, 0], bytes);
        Assert.Empty(CheckpointCodec.DecodeFloatArrays(bytes));
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 0 })]
    [InlineData(new byte[] { 1, 0, 0, 0 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 9 })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF })]
    public void DecodeFloatArrays_RejectsInconsistentSizes(byte[] bytes)
    {
        Assert.Throws<FormatException>(() => CheckpointCodec.DecodeFloatArrays(bytes));
    }

    [Fact]
    public void ConfigHash_IsTheSha256OfTheUtf8Json()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", CheckpointCodec.ConfigHash("abc"));
    }

    [Theory]
    [InlineData(CheckpointStatus.Running, null)]
    [InlineData(CheckpointStatus.Paused, "experiments/é/rounds/000007/strategy.bin")]
    [InlineData(CheckpointStatus.Finished, null)]
    [InlineData(CheckpointStatus.Failed, "s")]
    public void Record_RoundTrips(CheckpointStatus status, string? strategyKey)
    {
        // Arrange
        var record = new ExperimentCheckpoint(
            1, "é", 7, long.MaxValue, status, "{\"seed\":1}", new string('a', 64), "1.2.3+abc",
            "m", "w", "o", strategyKey, new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(6789));

        // Act
        ExperimentCheckpoint decoded = CheckpointCodec.DecodeRecord(CheckpointCodec.EncodeRecord(record));

        // Assert
        Assert.Equal(record, decoded);
        Assert.Equal(DateTimeKind.Utc, decoded.CreatedAtUtc.Kind);
    }

    [Fact]
    public void EncodeRecord_StartsWithTheFieldCountVersionAndId()
    {
        // Arrange
        var record = new ExperimentCheckpoint(1, "e", 0, 0, CheckpointStatus.Running, "", "", "", "", "", "", null, DateTime.UnixEpoch);

        // Act
        byte[] bytes = CheckpointCodec.EncodeRecord(record);

        // Assert: fixarray(13), fixint 1, fixstr "e", fixint 0, fixint 0, fixstr "running".
        Assert.Equal([0x9D, 0x01, 0xA1, (byte)'e', 0x00, 0x00, 0xA7, .. "running"u8], bytes[..14]);
    }

    [Fact]
    public void DecodeRecord_RefusesAnotherFormatVersion()
    {
        // Arrange
        var record = new ExperimentCheckpoint(2, "e", 0, 0, CheckpointStatus.Running, "", "", "", "", "", "", null, DateTime.UnixEpoch);

        // Act
        var e = Assert.Throws<FormatException>(() => CheckpointCodec.DecodeRecord(CheckpointCodec.EncodeRecord(record)));

        // Assert
        Assert.Contains("format 2", e.Message);
    }

    [Fact]
    public void DecodeRecord_RejectsGarbage()
    {
        Assert.Throws<FormatException>(() => CheckpointCodec.DecodeRecord(new byte[] { 0x93, 0x01 }));
        Assert.Throws<FormatException>(() => CheckpointCodec.DecodeRecord(new byte[] { 0xC1 }));
    }

    [Fact]
    public void EncodeRecord_RefusesALocalTime()
    {
        // Arrange
        var record = new ExperimentCheckpoint(1, "e", 0, 0, CheckpointStatus.Running, "", "", "", "", "", "", null,
            new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Local));

        // Act / Assert
        Assert.Throws<ArgumentException>(() => CheckpointCodec.EncodeRecord(record));
    }

    private static int[] Bits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);
}
