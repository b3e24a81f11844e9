using System.Text.Json;

namespace Flute.Client.Tests;

/// <summary>
/// `flute run` as a user runs it: a real process on a real (small) MNIST experiment. These tests
/// run one at a time (one class = one xunit collection) and share one scratch folder.
/// </summary>
public sealed class RunCommandTests : IDisposable
{
    private static readonly string SmallConfig = TestConfigs.SmallMnist("cli-small", evalEvery: 2);

    private readonly string _dir = Directory.CreateTempSubdirectory("flute-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Run_writes_metrics_and_summary_and_is_a_pure_function_of_config_and_seed()
    {
        string config = Write("small.yaml", SmallConfig);

        var a = FluteProcess.Run(_dir, "run", config, "--id", "a", "--out", "out-a");
        var b = FluteProcess.Run(_dir, "run", config, "--id", "b", "--out", "out-b", "--set", "silo.trainers=1");
        var c = FluteProcess.Run(_dir, "run", config, "--id", "c", "--out", "out-c", "--seed", "4");

        Assert.True(a.ExitCode == 0, a.StdErr);
        Assert.True(b.ExitCode == 0, b.StdErr);
        Assert.True(c.ExitCode == 0, c.StdErr);
        JsonElement sa = Summary("out-a"), sb = Summary("out-b"), sc = Summary("out-c");
        // Trainers 2 vs 1: the same bits; another seed: another model.
        Assert.Equal(sa.GetProperty("model_sha256").GetString(), sb.GetProperty("model_sha256").GetString());
        Assert.NotEqual(sa.GetProperty("model_sha256").GetString(), sc.GetProperty("model_sha256").GetString());

        Assert.Equal("a", sa.GetProperty("experiment").GetString());
        Assert.Equal("cli-small", sa.GetProperty("name").GetString());
        Assert.Equal(3UL, sa.GetProperty("seed").GetUInt64());
        Assert.Equal(4UL, sc.GetProperty("seed").GetUInt64());
        Assert.Equal(3, sa.GetProperty("rounds_completed").GetInt32());
        Assert.InRange(sa.GetProperty("test_accuracy").GetDouble(), 0.3, 1.0);
        Assert.True(sa.GetProperty("wall_seconds").GetDouble() > sa.GetProperty("rounds_seconds").GetDouble());
        Assert.True(sa.GetProperty("peak_rss_mb").GetDouble() > 50);

        string[] lines = File.ReadAllLines(Path.Combine(_dir, "out-a", "metrics.jsonl"));
        Assert.Equal(4, lines.Length);
        var all = lines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal([0, 1, 2, 3], all.Select(r => r.GetProperty("round").GetInt32()));
        // Round 0: the initial model's evaluation, before any training.
        JsonElement initial = all[0];
        Assert.Equal(0, initial.GetProperty("clients").GetInt32());
        Assert.Equal(JsonValueKind.Null, initial.GetProperty("train_loss").ValueKind);
        Assert.InRange(initial.GetProperty("test_accuracy").GetDouble(), 0.0, 0.3);
        Assert.Equal(initial.GetProperty("test_accuracy").GetDouble(), sa.GetProperty("initial_test_accuracy").GetDouble());
        Assert.Contains("initial model", a.StdOut);
        var rounds = all[1..];
        Assert.All(rounds, r =>
        {
            Assert.Equal(5, r.GetProperty("sampled").GetInt32());
            Assert.Equal(5, r.GetProperty("clients").GetInt32());
            Assert.True(r.GetProperty("train_loss").GetDouble() > 0);
            Assert.True(r.GetProperty("seconds").GetDouble() > 0);
        });
        // eval_every 2: rounds 2 and 3 (the last) are evaluated, round 1 is not.
        Assert.False(rounds[0].TryGetProperty("test_accuracy", out _));
        Assert.True(rounds[1].TryGetProperty("test_accuracy", out _));
        Assert.True(rounds[2].TryGetProperty("eval_seconds", out _));
        Assert.Contains("round 3/3", a.StdOut);
    }

    [Theory]
    [InlineData("unknown-key.yaml", "experiment:\n  rounds: 2\nserver:\n  clients_per_rnd: 3\n", "server.clients_per_rnd")]
    [InlineData("bad-type.yaml", "experiment:\n  rounds: ten\n", "experiment.rounds")]
    [InlineData("out-of-range.yaml", "experiment:\n  rounds: 2\ndata:\n  num_clients: 10\nserver:\n  clients_per_round: 50\n", "server.clients_per_round")]
    [InlineData("bad-model.yaml", "experiment:\n  rounds: 2\nmodel:\n  name: resnet\n", "model.name")]
    [InlineData("malformed.yaml", "experiment:\n  rounds: [1\n", "malformed YAML")]
    [InlineData("negative-lr.yaml", "experiment:\n  rounds: 2\nclient:\n  lr: -0.1\n", "client.lr")]
    public void A_bad_config_exits_2_with_one_line_naming_the_problem(string file, string yaml, string expected)
    {
        string config = Write(file, yaml);

        var result = FluteProcess.Run(_dir, "run", config);

        Assert.Equal(2, result.ExitCode);
        string[] errorLines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(errorLines);
        Assert.Contains(expected, errorLines[0]);
        Assert.DoesNotContain("   at ", result.StdErr);
        Assert.False(Directory.Exists(Path.Combine(_dir, "runs")));
    }

    [Theory]
    [InlineData(new[] { "run", "missing.yaml" }, "missing.yaml")]
    [InlineData(new[] { "run" }, "missing CONFIG")]
    [InlineData(new[] { "run", "x.yaml", "--bogus" }, "--bogus")]
    [InlineData(new[] { "run", "x.yaml", "--seed", "-1" }, "--seed")]
    [InlineData(new[] { "run", "x.yaml", "--set", "noequals" }, "noequals")]
    [InlineData(new[] { "frobnicate" }, "frobnicate")]
    public void Bad_command_lines_exit_2_with_one_line(string[] args, string expected)
    {
        Write("x.yaml", "experiment:\n  rounds: 1\n");

        var result = FluteProcess.Run(_dir, args);

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, result.StdErr);
    }

    [Fact]
    public void A_data_dir_without_mnist_exits_2_naming_the_missing_file()
    {
        string config = Write("ok.yaml", "experiment:\n  rounds: 1\n");
        string empty = Directory.CreateDirectory(Path.Combine(_dir, "empty-data")).FullName;

        var result = FluteProcess.Run(_dir, "run", config, "--data-dir", empty);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("empty-data", result.StdErr);
        Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("devices.trace", "0,10,1000\n1,abc,5\n", ":2: samples_per_second 'abc' is not a number > 0")]
    [InlineData("devices.availability", "0,0,10\n0,20,30\n", ":2: client id 0 after 0: lines must be sorted by client id, one line per client")]
    public void A_bad_trace_line_exits_2_naming_file_and_line_before_anything_is_written(string key, string text, string expectedSuffix)
    {
        // Arrange
        string trace = Write("trace.csv", text);
        string config = Path.Combine(FluteProcess.RepositoryRoot, "examples", "mnist-stragglers.yaml");

        // Act
        var result = FluteProcess.Run(_dir, "run", config, "--set", $"{key}={trace}");

        // Assert
        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"flute: devices: {trace}{expectedSuffix}", line);
        Assert.False(Directory.Exists(Path.Combine(_dir, "runs")), "runs/ was written");
        Assert.False(Directory.Exists(Path.Combine(_dir, ".flute")), ".flute/ (the store) was written");
    }

    [Theory]
    [InlineData("data.file", "{missing}/clients.flpf", "--set", "data.dataset=partitioned", "--set", "data.file={missing}/clients.flpf", "--set", "data.num_clients=100")]
    [InlineData("data.dir", "{missing}", "--set", "data.dir={missing}")]
    [InlineData("--data-dir", "{missing}", "--data-dir", "{missing}")]
    [InlineData("data.dir", "{empty}", "--set", "data.dir={empty}")]
    public void Missing_data_exits_2_naming_the_key_and_path_before_anything_is_written(string key, string path, params string[] options)
    {
        // Arrange: the example config, with data that is not there (or a directory without the MNIST files).
        string missing = Path.Combine(_dir, "no-such-data");
        string empty = Directory.CreateDirectory(Path.Combine(_dir, "empty-data")).FullName;
        string Fill(string text) => text.Replace("{missing}", missing).Replace("{empty}", empty);
        string[] args = ["run", Path.Combine(FluteProcess.RepositoryRoot, "examples", "mnist-lr.yaml"), .. options.Select(Fill)];

        // Act
        var result = FluteProcess.Run(_dir, args);

        // Assert: bad input, one line naming the key and the path; no run started (no id line), no
        // output directory, no store entry.
        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"flute: {key}: ", line);
        Assert.Contains($"'{Fill(path)}'", line);
        Assert.Equal("", result.StdOut);
        Assert.False(Directory.Exists(Path.Combine(_dir, "runs")), "runs/ was written");
        Assert.False(Directory.Exists(Path.Combine(_dir, ".flute")), ".flute/ (the store) was written");
    }

    [Fact]
    public void Every_field_a_run_writes_to_summary_json_and_metrics_jsonl_is_documented_in_cli_md()
    {
        // Arrange: the fields come from what the CLI actually writes, not from a list kept by hand,
        // so a new field fails this test until docs/cli.md documents it.
        string config = Write("docs.yaml", TestConfigs.SmallMnist("cli-docs", rounds: 2, evalEvery: 1));
        // A no-op attack (scale × 1) makes the run write the fields only attacks write.
        var run = FluteProcess.Run(_dir, "run", config, "--id", "docs", "--out", "out-docs", "--storage", "none",
            "--set", "attack.type=scale", "--set", "attack.fraction=0.5");
        Assert.True(run.ExitCode == 0, run.StdErr);
        string[] summaryFields = [.. Summary("out-docs").EnumerateObject().Select(p => p.Name)];
        string[] metricsFields = [.. File.ReadAllLines(Path.Combine(_dir, "out-docs", "metrics.jsonl"))
            .SelectMany(l => JsonDocument.Parse(l).RootElement.EnumerateObject().Select(p => p.Name)).Distinct()];
        string[] doc = File.ReadAllLines(Path.Combine(FluteProcess.RepositoryRoot, "docs", "cli.md"));

        // Act
        HashSet<string> summaryDocumented = DocumentedFields(doc, "### `DIR/summary.json`");
        HashSet<string> metricsDocumented = DocumentedFields(doc, "### `DIR/metrics.jsonl`");

        // Assert: the run wrote the fields a review found undocumented, and every field has a row.
        Assert.Superset(new HashSet<string> { "cluster", "silo_clients", "model_bytes_to_silos", "update_bytes_to_server" }, summaryFields.ToHashSet());
        Assert.Contains("attacked", metricsFields);
        string[] undocumented = [.. summaryFields.Where(f => !summaryDocumented.Contains(f)).Select(f => $"summary.json {f}"),
            .. metricsFields.Where(f => !metricsDocumented.Contains(f)).Select(f => $"metrics.jsonl {f}")];
        Assert.True(undocumented.Length == 0, $"docs/cli.md does not document: {string.Join(", ", undocumented)}");
    }

    /// <summary>The backquoted names in the first column of the table under <paramref name="heading"/>.</summary>
    private static HashSet<string> DocumentedFields(string[] doc, string heading)
    {
        int start = Array.IndexOf(doc, heading);
        Assert.True(start >= 0, $"docs/cli.md has no heading {heading}");
        var fields = new HashSet<string>(StringComparer.Ordinal);
        foreach (string line in doc.Skip(start + 1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')))
        {
            string firstCell = line.Split('|', StringSplitOptions.TrimEntries)[1];
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(firstCell, "`([a-z0-9_]+)`"))
                fields.Add(m.Groups[1].Value);
        }
        return fields;
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private JsonElement Summary(string outDir) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, outDir, "summary.json"))).RootElement;
}
