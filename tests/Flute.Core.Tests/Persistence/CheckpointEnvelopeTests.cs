using Flute.Core.Persistence;

namespace Flute.Core.Tests.Persistence;

public sealed class CheckpointEnvelopeTests
{
    [Fact]
    public void Seal_WritesTheDocumentedHeader()
    {
        // Arrange: "FLCK", version 1, reserved 0, length 3, SHA-256("abc").
        byte[] expected =
        [
            (byte)'F', (byte)'L', (byte)'C', (byte)'K', 1, 0, 0, 0,
            3, 0, 0, 0, 0, 0, 0, 0,
            .. Convert.FromHexString("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (byte)'a', (byte)'b', (byte)'c',
        ];

        // Act
        byte[] blob = CheckpointEnvelope.Seal("abc"u8);

        // Assert
        Assert.Equal(expected, blob);
    }

    [Fact]
    public void Unseal_ReturnsTheContent()
    {
        // Arrange
        byte[] blob = CheckpointEnvelope.Seal([9, 8, 7]);

        // Act
        ReadOnlyMemory<byte> content = CheckpointEnvelope.Unseal(blob, "k");

        // Assert
        Assert.Equal(new byte[] { 9, 8, 7 }, content.ToArray());
    }

    [Theory]
    [InlineData(0, CheckpointCorruption.BadHeader)]
    [InlineData(4, CheckpointCorruption.BadHeader)]
    [InlineData(6, CheckpointCorruption.BadHeader)]
    [InlineData(8, CheckpointCorruption.Truncated)]
    [InlineData(20, CheckpointCorruption.ChecksumMismatch)]
    [InlineData(49, CheckpointCorruption.ChecksumMismatch)]
    public void Unseal_AFlippedByteAnywhereIsDetected(int index, CheckpointCorruption kind)
    {
        // Arrange: byte 8 is the low byte of the length (3 -> 2^k + 3 claims more bytes than exist).
        byte[] blob = CheckpointEnvelope.Seal([1, 2, 3]);
        blob[index] ^= 0x40;

        // Act
        var e = Assert.Throws<CorruptCheckpointException>(() => CheckpointEnvelope.Unseal(blob, "a/b", "/x/a/b"));

        // Assert
        Assert.Equal(kind, e.Kind);
        Assert.Contains("'a/b' (file /x/a/b)", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(47)]
    [InlineData(50)]
    public void Unseal_ATruncatedBlobIsReportedAsTruncated(int length)
    {
        // Arrange
        byte[] blob = CheckpointEnvelope.Seal([1, 2, 3]);

        // Act
        var e = Assert.Throws<CorruptCheckpointException>(() => CheckpointEnvelope.Unseal(blob.AsMemory(0, length), "k"));

        // Assert
        Assert.Equal(CheckpointCorruption.Truncated, e.Kind);
        Assert.Contains("truncated", e.Message);
    }
}
