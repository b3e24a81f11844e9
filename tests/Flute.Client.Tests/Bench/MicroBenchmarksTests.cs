using System.Text.Json;

namespace Flute.Client.Tests.Bench;

/// <summary>`flute bench micro` as a user runs it, on its cheapest benchmark only (a real BenchmarkDotNet run of ~10 s).</summary>
public sealed class MicroBenchmarksTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flute-micro-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Filtered_run_prints_the_headline_and_writes_it_as_json()
    {
        // Arrange
        string json = Path.Combine(_dir, "out", "micro.json");

        // Act
        var result = FluteProcess.Run(_dir, "bench", "micro", "--filter", "cache", "--json", json);

        // Assert
        Assert.True(result.ExitCode == 0, result.StdErr + result.StdOut);
        Assert.Contains("model_cache_hit", result.StdOut);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement root = document.RootElement;
        Assert.Equal("micro", root.GetProperty("benchmark").GetString());
        Assert.Equal(Environment.ProcessorCount, root.GetProperty("machine").GetProperty("processor_count").GetInt32());
        JsonElement result0 = Assert.Single(root.GetProperty("results").EnumerateArray());
        Assert.Equal("model_cache_hit", result0.GetProperty("name").GetString());
        Assert.Equal("ns", result0.GetProperty("unit").GetString());
        double value = result0.GetProperty("value").GetDouble();
        Assert.InRange(value, 0.1, 1_000_000);
        Assert.Equal(value, root.GetProperty("headline").GetProperty("model_cache_hit").GetDouble());
    }

    [Theory]
    [InlineData("--filter", "no-such-benchmark")]
    [InlineData("--filter")]
    [InlineData("--nonsense")]
    public void Bad_arguments_exit_with_code_2_and_one_line(params string[] options)
    {
        // Act
        var result = FluteProcess.Run(_dir, ["bench", "micro", .. options]);

        // Assert
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("flute: bench micro:", result.StdErr);
        Assert.Single(result.StdErr.Trim().Split('\n'));
    }
}
