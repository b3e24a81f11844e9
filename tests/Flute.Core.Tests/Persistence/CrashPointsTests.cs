using Flute.Core.Persistence;

namespace Flute.Core.Tests.Persistence;

public sealed class CrashPointsTests
{
    [Fact]
    public void Check_ActsOnlyOnAConfiguredRoundAndPhase()
    {
        // Arrange
        var reached = new List<(int, string)>();
        var points = new CrashPoints(CrashPoints.Parse("3:commit, 5:train"), (round, phase) => reached.Add((round, phase)));

        // Act
        points.Check(3, "blobs");
        points.Check(2, "commit");
        points.Check(3, "commit");
        points.Check(5, "train");

        // Assert
        Assert.True(points.Enabled);
        Assert.Equal([(3, "commit"), (5, "train")], reached);
    }

    [Fact]
    public void None_IsDisabled()
    {
        // Act and assert
        Assert.False(CrashPoints.None.Enabled);
        Assert.False(new CrashPoints(CrashPoints.Parse("")).Enabled);
    }

    [Fact]
    public void Parse_RejectsAnUnknownPhaseNamingTheVariable()
    {
        // Act
        var error = Assert.Throws<ArgumentException>(() => CrashPoints.Parse("3:later"));

        // Assert
        Assert.Contains(CrashPoints.EnvironmentVariable, error.Message);
    }
}
