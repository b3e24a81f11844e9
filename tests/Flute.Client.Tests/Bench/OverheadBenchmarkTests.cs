using System.Text.Json;

namespace Flute.Client.Tests.Bench;

/// <summary>
/// <c>flute bench overhead</c> as a user runs it: a real process on a tiny MNIST experiment, one
/// repetition, checked through its JSON; and bad input exits 2 with one line.
/// </summary>
public sealed class OverheadBenchmarkTests : IDisposable
{
    private static readonly string TinyConfig = TestConfigs.SmallMnist("bench-tiny");

    private readonly string _dir = Directory.CreateTempSubdirectory("flute-bench-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Overhead_writes_one_row_per_config_with_times_a_finite_ratio_and_matching_weights()
    {
        string config = Write("tiny.yaml", TinyConfig);

        var result = FluteProcess.Run(_dir, "bench", "overhead", config, "--reps", "1", "--min-seconds", "0", "--rounds", "2", "--json", "out.json");

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "out.json")));
        JsonElement root = json.RootElement;
        Assert.Equal("overhead", root.GetProperty("benchmark").GetString());
        Assert.Equal(1, root.GetProperty("reps").GetInt32());
        JsonElement row = Assert.Single(root.GetProperty("rows").EnumerateArray());
        Assert.Equal("tiny.yaml", row.GetProperty("config").GetString());
        // --rounds overrides experiment.rounds; the cohort is the config's.
        Assert.Equal(2, row.GetProperty("rounds").GetInt32());
        Assert.Equal(5, row.GetProperty("clients_per_round").GetInt32());
        // logreg on 28 × 28 → 10: 784 · 10 weights + 10 biases.
        Assert.Equal(7850, row.GetProperty("parameters").GetInt32());
        // 2 rounds × 5 clients × 64 samples (max_samples) in batches of 16 = 2 × 5 × 4 steps.
        Assert.Equal(40, row.GetProperty("sgd_steps").GetInt64());
        double flute = row.GetProperty("flute_rounds_seconds").GetDouble();
        double bare = row.GetProperty("bare_seconds").GetDouble();
        Assert.True(flute > 0, $"flute {flute}");
        Assert.True(bare > 0, $"bare {bare}");
        Assert.True(row.GetProperty("centralized_seconds").GetDouble() > 0);
        double ratio = row.GetProperty("overhead_ratio").GetDouble();
        Assert.True(double.IsFinite(ratio) && ratio > 0, $"ratio {ratio}");
        // The JSON rounds times to the microsecond, so the ratio of the printed times may differ from the
        // printed ratio by the propagated rounding error: relative error ≤ 0.5 µs / flute + 0.5 µs / bare.
        double tolerance = ratio * (0.5e-6 / flute + 0.5e-6 / bare) + 1e-6;
        Assert.InRange(ratio, flute / bare - tolerance, flute / bare + tolerance);
        // Fixed-point versus float summation of the same updates: the models differ by rounding only.
        Assert.InRange(row.GetProperty("max_abs_weight_diff").GetDouble(), 0, 1e-4);
        Assert.Single(row.GetProperty("flute_runs").EnumerateArray());
        // The table goes to standard output and starts its row with the config's file name.
        Assert.Contains(result.StdOut.Split('\n'), line => line.StartsWith("tiny.yaml ", StringComparison.Ordinal));
    }

    [Fact]
    public void Short_cases_repeat_until_each_side_has_run_for_min_seconds()
    {
        string config = Write("tiny.yaml", TinyConfig);

        var result = FluteProcess.Run(_dir, "bench", "overhead", config, "--reps", "1", "--min-seconds", "0.3", "--rounds", "2", "--json", "out.json");

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "out.json")));
        JsonElement row = json.RootElement.GetProperty("rows")[0];
        double[] flute = row.GetProperty("flute_runs").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        double[] bare = row.GetProperty("bare_runs").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(flute.Length, bare.Length);
        // Either both sides reached 0.3 s in total, or the 25-repetition cap stopped it.
        Assert.True(flute.Length == 25 || (flute.Sum() >= 0.3 && bare.Sum() >= 0.3), $"{flute.Length} reps, {flute.Sum()} / {bare.Sum()} s");
        Assert.True(flute.Length > 1, $"{flute.Length} reps");
    }

    [Fact]
    public void The_configs_compute_mode_is_applied_and_recorded()
    {
        // Arrange: the same tiny config, portable.
        string config = Write("tiny.yaml", TinyConfig);

        // Act
        var result = FluteProcess.Run(_dir, "bench", "overhead", config, "--set", "silo.compute=portable", "--reps", "1", "--min-seconds", "0", "--rounds", "1", "--json", "out.json");

        // Assert
        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "out.json")));
        Assert.Equal("portable", json.RootElement.GetProperty("machine").GetProperty("compute").GetString());
    }

    [Fact]
    public void Configs_asking_for_different_compute_modes_exit_2_with_one_line()
    {
        Write("tiny.yaml", TinyConfig);
        Write("portable.yaml", TinyConfig.Replace("silo:\n", "silo:\n  compute: portable\n", StringComparison.Ordinal));

        var result = FluteProcess.Run(_dir, "bench", "overhead", "tiny.yaml", "portable.yaml");

        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("silo.compute native and portable", line);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--reps", "0")]
    [InlineData("--min-seconds", "-1")]
    [InlineData("--rounds", "x")]
    [InlineData("--json")]
    [InlineData("missing.yaml")]
    [InlineData("tiny.yaml", "--set", "server.clients_per_round=500")]
    public void Bad_input_exits_2_with_one_line(params string[] args)
    {
        Write("tiny.yaml", TinyConfig);

        var result = FluteProcess.Run(_dir, ["bench", "overhead", .. args]);

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("", result.StdOut);
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
