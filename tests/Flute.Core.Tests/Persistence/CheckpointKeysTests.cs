using Flute.Core.Persistence;

namespace Flute.Core.Tests.Persistence;

public sealed class CheckpointKeysTests
{
    [Fact]
    public void Keys_FollowTheDocumentedLayout()
    {
        // Act / Assert
        Assert.Equal("experiments/e1/checkpoint", CheckpointKeys.Record("e1"));
        Assert.Equal("experiments/e1/rounds/000042/weights.bin", CheckpointKeys.RoundBlob("e1", 42, "weights.bin"));
        Assert.Equal("experiments/e1/clients/7/residual.bin", CheckpointKeys.ClientBlob("e1", "7", "residual.bin"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../x")]
    [InlineData("a/../b")]
    [InlineData("a/./b")]
    [InlineData("/etc/passwd")]
    [InlineData("a\\b")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData("a/b.bin.tmp")]
    [InlineData("experiments/e1/lock")]
    [InlineData("a/\u0001")]
    public void Validate_RejectsUnsafeKeysAndNamesThem(string key)
    {
        // Act
        var e = Assert.Throws<ArgumentException>(() => CheckpointKeys.Validate(key));

        // Assert
        Assert.Contains($"'{key}'", e.Message);
    }

    [Fact]
    public void Validate_ReturnsTheSegments()
    {
        // Act
        string[] segments = CheckpointKeys.Validate("experiments/e.1/rounds/000001/weights.bin");

        // Assert
        Assert.Equal(["experiments", "e.1", "rounds", "000001", "weights.bin"], segments);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("")]
    public void Segment_RejectsSlashesAndDots(string id)
    {
        Assert.Throws<ArgumentException>(() => CheckpointKeys.Record(id));
    }
}
