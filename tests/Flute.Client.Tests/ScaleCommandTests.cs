using System.Text.Json;

namespace Flute.Client.Tests;

/// <summary>Lazy populations through the real CLI: the synthetic data set and a partitioned file.</summary>
public sealed class ScaleCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flute-scale-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_million_synthetic_clients_activate_one_grain_per_sampled_client_and_none_stay()
    {
        string config = Path.Combine(_dir, "synthetic.yaml");
        File.WriteAllText(config, """
            experiment: {name: synthetic, seed: 1, rounds: 3}
            data: {dataset: synthetic, num_clients: 1000000, alpha: 1, beta: 1, max_samples_per_client: 200}
            model: {name: logreg}
            client: {lr: 0.01, batch_size: 10}
            server: {clients_per_round: 200, eval_every: 3}
            """);

        var run = FluteProcess.Run(_dir, "run", config, "--id", "syn", "--storage", "none");

        Assert.True(run.ExitCode == 0, run.StdErr);
        var rounds = File.ReadAllLines(Path.Combine(_dir, "runs", "syn", "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([0, 1, 2, 3], rounds.Select(r => r.GetProperty("round").GetInt32()));
        Assert.All(rounds.Skip(1), r =>
        {
            Assert.Equal(200, r.GetProperty("activations").GetInt64());          // ClientGrain activations per round = cohort
            Assert.InRange(r.GetProperty("alive_after").GetInt64(), 0, 2 * 200);  // no idle population of activations
            Assert.Equal(200, r.GetProperty("clients").GetInt32());             // every synthetic client has ≥ 50 samples
        });
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "runs", "syn", "summary.json")));
        Assert.InRange(summary.RootElement.GetProperty("peak_rss_mb").GetDouble(), 50, 1536);
    }

    [Fact]
    public void A_partitioned_file_is_built_once_and_a_run_reads_clients_from_it()
    {
        string file = Path.Combine(_dir, "mnist-2k.flpf");
        var partition = FluteProcess.Run(_dir, "data", "partition", "--dataset", "mnist", "--partition", "dirichlet",
            "--alpha", "0.3", "--clients", "2000", "--out", file);
        string config = Path.Combine(_dir, "partitioned.yaml");
        File.WriteAllText(config, $$"""
            experiment: {name: partitioned, seed: 1, rounds: 2}
            data: {dataset: partitioned, file: {{file}}, num_clients: 2000}
            model: {name: logreg}
            client: {lr: 0.05, batch_size: 10}
            server: {clients_per_round: 100, eval_every: 2}
            """);
        var run = FluteProcess.Run(_dir, "run", config, "--id", "part", "--storage", "none");
        var wrongCount = FluteProcess.Run(_dir, "run", config, "--id", "wrong", "--storage", "none", "--set", "data.num_clients=1999");

        Assert.True(partition.ExitCode == 0, partition.StdErr);
        Assert.Matches(@"wrote .*: 2,000 clients \([\d,]+ empty\) of mnist by dirichlet", partition.StdOut);
        Assert.Contains("reading one client:", partition.StdOut);
        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Contains("done: 2 rounds", run.StdOut);
        Assert.Equal(2, wrongCount.ExitCode);
        Assert.Contains("must equal the client count", wrongCount.StdErr);
    }

    [Fact]
    public void Bench_scale_prints_a_row_per_population_cohort_and_trainer_with_one_activation_per_client()
    {
        string json = Path.Combine(_dir, "scale.json");

        var bench = FluteProcess.Run(_dir, "bench", "scale", "--populations", "1000,5000", "--cohorts", "20", "--rounds", "2", "--json", json);

        Assert.True(bench.ExitCode == 0, bench.StdErr);
        var rows = JsonDocument.Parse(File.ReadAllText(json)).RootElement.EnumerateArray().ToList();
        Assert.Equal(4, rows.Count);
        Assert.Equal(["1 epoch", "zero-step", "1 epoch", "zero-step"], rows.Select(r => r.GetProperty("trainer").GetString()));
        Assert.Equal([1000L, 1000, 5000, 5000], rows.Select(r => r.GetProperty("population").GetInt64()));
        Assert.All(rows, r =>
        {
            Assert.Equal(20.0, r.GetProperty("activations_per_round").GetDouble());
            Assert.True(r.GetProperty("microseconds_per_client").GetDouble() > 0);
            Assert.True(r.GetProperty("first_half_microseconds_per_client").GetDouble() > 0);
            // 2 rounds: the steady-state figure is round 2's time, the first-half figure round 1's.
            Assert.Equal(2, r.GetProperty("rounds").GetInt32());
        });
        Assert.Contains("zero-step", bench.StdOut);
    }
}
