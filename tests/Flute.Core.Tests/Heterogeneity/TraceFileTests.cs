using Flute.Core.Heterogeneity;

namespace Flute.Core.Tests.Heterogeneity;

public sealed class TraceFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flute-trace-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void DeviceTrace_FindsListedClientsAndSkipsHeaderCommentsAndBlankLines()
    {
        // Arrange
        string path = Write("t.csv", "client_id,samples_per_second,bytes_per_second\n# a comment\n0,10,1000\n\n7, 2.5 ,5e5\n");

        // Act
        using var trace = new DeviceTrace(path);

        // Assert
        Assert.Equal(2, trace.Count);
        Assert.Equal(new DeviceProfile(10, 1000), trace.Find(0));
        Assert.Equal(new DeviceProfile(2.5, 500_000), trace.Find(7));
        Assert.Null(trace.Find(3));
        Assert.Null(trace.Find(8));
    }

    [Fact]
    public void DeviceTrace_FindsEveryClientAcrossIndexBlocks()
    {
        // Arrange: every third id, 500 lines (several blocks of 64).
        string path = Write("big.csv", string.Concat(Enumerable.Range(0, 500).Select(i => $"{3 * i},{i + 1},{1000 + i}\n")));

        // Act
        using var trace = new DeviceTrace(path);

        // Assert
        for (int i = 0; i < 500; i++)
        {
            Assert.Equal(new DeviceProfile(i + 1, 1000 + i), trace.Find(3 * i));
            Assert.Null(trace.Find(3 * i + 1));
        }
    }

    [Theory]
    [InlineData("0,10,1000\n1,abc,5\n", ":2: samples_per_second 'abc' is not a number > 0")]
    [InlineData("0,10,1000\n1,10,0\n", ":2: bytes_per_second '0' is not a number > 0")]
    [InlineData("h,s,b\n0,10\n", ":2: expected 3 fields (client_id,samples_per_second,bytes_per_second), found 2")]
    [InlineData("5,10,1000\n\n3,10,1000\n", ":3: client id 3 after 5: lines must be sorted by client id, one line per client")]
    [InlineData("0,1,1\nx,1,1\n", ":2: the client id 'x' is not an integer")]
    [InlineData("-1,1,1\n", ":1: the client id -1 is negative")]
    public void DeviceTrace_BadLine_NamesFileAndLine(string text, string expectedSuffix) =>
        AssertBadLine(text, expectedSuffix, path => new DeviceTrace(path));

    [Fact]
    public void Availability_IsOnlineInsideHalfOpenIntervalsAndUnlistedClientsAreAlwaysOnline()
    {
        // Arrange
        string path = Write("a.csv", "2,0,10,20,30\n");
        using var availability = new AvailabilityTrace(path, period: 0);

        // Assert
        Assert.True(availability.IsOnline(2, 0));
        Assert.True(availability.IsOnline(2, 9.5));
        Assert.False(availability.IsOnline(2, 10));
        Assert.False(availability.IsOnline(2, 15));
        Assert.True(availability.IsOnline(2, 20));
        Assert.False(availability.IsOnline(2, 30));
        Assert.True(availability.IsOnline(1, 15));
    }

    [Fact]
    public void Availability_WithAPeriod_RepeatsTheTrace()
    {
        // Arrange: online for the first 10 s of every 100 s.
        string path = Write("a.csv", "4,0,10\n");
        using var availability = new AvailabilityTrace(path, period: 100);

        // Assert
        Assert.True(availability.IsOnline(4, 205));
        Assert.False(availability.IsOnline(4, 250));
    }

    [Theory]
    [InlineData("1,0\n", ":1: expected client_id followed by pairs of start,end virtual seconds, found 1 value(s) after the id")]
    [InlineData("1,5,5\n", ":1: interval 1 ends (5) at or before it starts (5)")]
    [InlineData("1,0,10,5,20\n", ":1: interval 2 starts (5) before the previous one ends (10); list intervals in increasing order")]
    [InlineData("1,0,1\n2,a,3\n", ":2: interval 1 ('a', '3') is not a pair of numbers ≥ 0")]
    public void Availability_BadLine_NamesFileAndLine(string text, string expectedSuffix) =>
        AssertBadLine(text, expectedSuffix, path => new AvailabilityTrace(path, 0));

    private void AssertBadLine(string text, string expectedSuffix, Func<string, IDisposable> open)
    {
        // Arrange
        string path = Write("bad.csv", text);

        // Act
        var error = Assert.Throws<FormatException>(() => open(path));

        // Assert
        Assert.Equal(path + expectedSuffix, error.Message);
    }
}
