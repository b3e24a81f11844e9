using System.Diagnostics;
using System.Text.Json;

namespace Flute.Client.Tests.Cluster;

/// <summary>The embedded runs cluster runs must match, each config computed once.</summary>
public sealed class EmbeddedReference : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("flute-cluster-ref-").FullName;

    private readonly Dictionary<string, string> _shas = [];

    /// <summary>The embedded model of <see cref="LocalClusterTests.Config"/>.</summary>
    public string Sha() => Sha(LocalClusterTests.Config);

    /// <summary>The embedded model of <paramref name="config"/> (storage none), run on first use.</summary>
    public string Sha(string config)
    {
        if (_shas.TryGetValue(config, out string? sha)) return sha;
        string id = $"reference-{_shas.Count}";
        File.WriteAllText(Path.Combine(Directory, id + ".yaml"), config);
        var result = FluteProcess.Run(Directory, "run", id + ".yaml", "--id", id, "--storage", "none");
        Assert.True(result.ExitCode == 0, result.StdErr);
        return _shas[config] = LocalClusterTests.Summary(Directory, id).GetProperty("model_sha256").GetString()!;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

/// <summary>
/// Real multi-silo runs: deploy/local-cluster.sh starts Azurite (membership table, reminders,
/// experiment storage) and three flute-silo processes; the CLI runs against them with --cluster local.
/// </summary>
[Collection("processes")]
public sealed class LocalClusterTests(EmbeddedReference reference) : IClassFixture<EmbeddedReference>
{
    /// <summary>784 · 10 + 10 parameters as float32.</summary>
    private const int ModelBytes = 7850 * 4;

    /// <summary>Rounds of <see cref="Config"/>: enough that a silo killed after round 3 is killed mid-run (finding the victim takes a
    /// `flute cluster status` process, seconds, while a round takes ~0.15 s).</summary>
    internal const int ConfigRounds = 60;

    /// <summary>Logistic regression with enough local work (3 epochs of 256 samples) that a round is in flight most of the time.</summary>
    internal static readonly string Config = $$"""
        experiment:
          name: cluster
          seed: 5
          rounds: {{ConfigRounds}}
        data:
          dataset: mnist
          partition: iid
          num_clients: 60
        model:
          name: logreg
        client:
          lr: 0.05
          batch_size: 16
          local_epochs: 3
          max_samples: 256
        server:
          clients_per_round: 12
          eval_every: 0
        silo:
          trainers: 1
        """;

    [Fact]
    public void Three_silos_give_the_embedded_model_every_silo_trains_and_down_leaves_no_process()
    {
        string expected = reference.Sha();
        IReadOnlyList<int> pids;
        using (var cluster = LocalCluster.Up(3))
        {
            File.WriteAllText(Path.Combine(cluster.Directory, "cluster.yaml"), Config);
            var run = FluteProcess.RunWith(cluster.Directory, cluster.Environment, "run", "cluster.yaml", "--cluster", "local", "--id", "three");
            Assert.True(run.ExitCode == 0, run.StdErr + run.StdOut);
            Assert.Contains("3 silo(s)", run.StdOut);
            JsonElement summary = Summary(cluster.Directory, "three");
            Assert.Equal(expected, summary.GetProperty("model_sha256").GetString());

            // Capacity placement spreads the clients: every silo trained some (3 equal silos, 12 clients × Rounds).
            var perSilo = summary.GetProperty("silo_clients").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
            Assert.Equal(3, perSilo.Count);
            Assert.All(perSilo.Values, n => Assert.True(n >= 2 * ConfigRounds, $"per-silo clients {string.Join(", ", perSilo)}"));
            Assert.Equal(12 * ConfigRounds, perSilo.Values.Sum());

            // Round 0 is the initial model's evaluation: no clients, no traffic.
            foreach (JsonElement round in Rounds(cluster.Directory, "three").Where(r => r.GetProperty("round").GetInt32() > 0))
            {
                int silos = round.GetProperty("silo_clients").EnumerateObject().Count();
                int clients = round.GetProperty("clients").GetInt32();
                // Weights cross the wire once per silo per version, never once per client: at most
                // the other silos (the experiment grain's own silo reads them from memory).
                long model = round.GetProperty("model_bytes_to_silos").GetInt64();
                Assert.InRange(model, 0, 2 * ModelBytes);
                // One partial aggregate per silo: 8 bytes per parameter plus 8 per client id.
                long update = round.GetProperty("update_bytes_to_server").GetInt64();
                Assert.Equal(silos * 2L * ModelBytes + 8L * clients, update);
            }
            pids = cluster.RecordedPids();
            Assert.Equal(5, pids.Count); // 3 silos, Azurite's blob and table services
        }
        // Disposing ran 'local-cluster.sh down'.
        Assert.All(pids, pid => Assert.False(LocalCluster.Alive(pid), $"process {pid} survived 'down'"));
    }

    [Fact]
    public void A_client_silo_killed_mid_round_is_survived_with_the_same_model() =>
        KillMidRun(Config, server: false);

    [Fact]
    public void The_silo_holding_the_experiment_killed_mid_round_is_survived_with_the_same_model() =>
        KillMidRun(Config, server: true);

    /// <summary>
    /// SCAFFOLD keeps state on both sides: c_i in the client state store (Azurite here), c in the
    /// experiment's checkpoint and in every model version. A killed client silo loses in-flight calls
    /// whose c_i may already be written; the retried clients must read the c_i of before the round.
    /// </summary>
    [Fact]
    public void A_scaffold_run_with_a_client_silo_killed_mid_round_gives_the_embedded_model()
    {
        string scaffold = Config.Replace("  eval_every: 0", "  eval_every: 0\n  strategy: scaffold", StringComparison.Ordinal);
        Assert.Contains("\n  strategy: scaffold\n", scaffold);
        KillMidRun(scaffold, server: false);
    }

    /// <summary>
    /// Central DP with adaptive clipping and Poisson cohorts on three silos: each silo's partial carries its
    /// count of clipped clients, the server merges the counts and noises them once, and C moves the same as
    /// in the embedded run (a short run: 8 rounds).
    /// </summary>
    [Fact]
    public void A_dp_run_with_adaptive_clipping_on_three_silos_gives_the_embedded_model()
    {
        string dp = Config.Replace($"  rounds: {ConfigRounds}", "  rounds: 8", StringComparison.Ordinal)
            .Replace("  eval_every: 0", "  eval_every: 0\n  strategy: dpfedavg\n  sampling: poisson\nprivacy:\n  clip_norm: 0.5\n  adaptive_clipping: on\n  clipped_count_stddev: 1", StringComparison.Ordinal);
        Assert.Contains("\n  adaptive_clipping: on\n", dp);
        string expected = reference.Sha(dp);
        using var cluster = LocalCluster.Up(3);
        File.WriteAllText(Path.Combine(cluster.Directory, "dp.yaml"), dp);

        var run = FluteProcess.RunWith(cluster.Directory, cluster.Environment, "run", "dp.yaml", "--cluster", "local", "--id", "dp-adaptive");

        Assert.True(run.ExitCode == 0, run.StdErr + run.StdOut);
        JsonElement summary = Summary(cluster.Directory, "dp-adaptive");
        Assert.Equal(expected, summary.GetProperty("model_sha256").GetString());
        Assert.True(summary.GetProperty("silo_clients").EnumerateObject().Count() >= 2, "the clients were folded on one silo only");
        Assert.All(Rounds(cluster.Directory, "dp-adaptive").Where(r => r.GetProperty("round").GetInt32() > 0 && !r.TryGetProperty("step_skipped", out _)),
            r => Assert.True(r.GetProperty("clip_norm").GetDouble() > 0));
    }

    /// <summary>Every silo loads the plug-in named by the experiment's config (the sample LeNet-5) and trains its model.</summary>
    [Fact]
    public void A_model_from_a_plugin_trains_on_three_silos_to_the_embedded_model()
    {
        string config = PluginTests.Config(PluginTests.SamplePlugin);
        string expected = reference.Sha(config);
        using var cluster = LocalCluster.Up(3);
        File.WriteAllText(Path.Combine(cluster.Directory, "plugin.yaml"), config);
        var run = FluteProcess.RunWith(cluster.Directory, cluster.Environment, "run", "plugin.yaml", "--cluster", "local", "--id", "plugin");
        Assert.True(run.ExitCode == 0, run.StdErr + run.StdOut);
        Assert.Contains("3 silo(s)", run.StdOut);
        JsonElement summary = Summary(cluster.Directory, "plugin");
        Assert.Equal(expected, summary.GetProperty("model_sha256").GetString());
        Assert.Equal(3, summary.GetProperty("silo_clients").EnumerateObject().Count());
    }

    private void KillMidRun(string config, bool server)
    {
        string expected = reference.Sha(config);
        using var cluster = LocalCluster.Up(3);
        File.WriteAllText(Path.Combine(cluster.Directory, "cluster.yaml"), config);
        using var run = FluteProcess.Start(cluster.Directory, cluster.Environment, "run", "cluster.yaml", "--cluster", "local", "--id", "killed");
        // Find the victim once the experiment runs (its silo is known), then kill it right after a
        // round line: `cluster status` takes seconds, a round ~0.15 s, so asking after round 3 could
        // find the run already finished (a CI failure: no round retried anything).
        Assert.True(run.WaitForLine("round 01/", TimeSpan.FromMinutes(2)), run.StdOut);
        var silos = cluster.Silos();
        var victim = server ? silos.Single(s => s.ServerOf.Contains("killed")) : silos.First(s => s.ServerOf.Length == 0);
        Assert.True(run.WaitForLine("round 03/", TimeSpan.FromMinutes(2)), run.StdOut);
        Assert.DoesNotContain($"round {ConfigRounds}/", run.StdOut);
        Process.GetProcessById(victim.Pid).Kill();

        var result = run.WaitForExit(TimeSpan.FromMinutes(4));
        Assert.True(result.ExitCode == 0, result.StdErr + result.StdOut);
        JsonElement summary = Summary(cluster.Directory, "killed");
        Assert.Equal("finished", summary.GetProperty("status").GetString());
        Assert.Equal(expected, summary.GetProperty("model_sha256").GetString());
        var rounds = Rounds(cluster.Directory, "killed");
        Assert.Equal(Enumerable.Range(0, ConfigRounds + 1), rounds.Select(r => r.GetProperty("round").GetInt32()));
        if (server)
        {
            // The CLI lost the experiment grain and found it again on a surviving silo.
            Assert.Contains("waiting for the cluster to continue it on another silo", result.StdOut);
        }
        else
        {
            // The kill landed mid-run: the dead silo's in-flight calls and partial aggregate were
            // retried elsewhere, or (rounds take ~0.04 s on a fast host, and a kill between two
            // rounds leaves nothing in flight) the rounds after it ran on the two survivors only.
            Assert.True(rounds.Any(r => r.TryGetProperty("retries", out JsonElement n) && n.GetInt32() > 0)
                || rounds[^1].GetProperty("silo_clients").EnumerateObject().Count() == 2,
                "neither a retry nor a round without the killed silo: the kill did not hit the run");
        }
        Assert.Equal(2, cluster.Silos().Count);
    }

    [Fact]
    public void With_no_client_left_the_experiment_is_woken_by_its_reminder_on_another_silo_and_finishes_the_same()
    {
        string expected = reference.Sha();
        using var cluster = LocalCluster.Up(3);
        File.WriteAllText(Path.Combine(cluster.Directory, "cluster.yaml"), Config);
        using (var run = FluteProcess.Start(cluster.Directory, cluster.Environment, "run", "cluster.yaml", "--cluster", "local", "--id", "orphan"))
        {
            Assert.True(run.WaitForLine("round 03/", TimeSpan.FromMinutes(2)), run.StdOut);
            int server = cluster.Silos().Single(s => s.ServerOf.Contains("orphan")).Pid;
            // Nobody will call the experiment grain again: only its keep-alive reminder (Azure Table,
            // due a minute after the start) can reactivate it on a surviving silo.
            run.Kill();
            Process.GetProcessById(server).Kill();
        }
        var clock = Stopwatch.StartNew();
        string status = "";
        while (clock.Elapsed < TimeSpan.FromMinutes(4))
        {
            Thread.Sleep(TimeSpan.FromSeconds(5));
            var result = FluteProcess.RunWith(cluster.Directory, cluster.Environment, "status", "orphan", "--cluster", "local");
            Assert.True(result.ExitCode == 0, result.StdErr);
            status = result.StdOut;
            if (status.Contains("status       finished", StringComparison.Ordinal)) break;
        }
        Assert.Contains("status       finished", status);
        Assert.Contains($"rounds       {ConfigRounds}/{ConfigRounds} committed", status);
        Assert.Contains($"model        {expected} ", status);
    }

    [Fact]
    public void A_silo_with_a_bad_device_or_an_unreachable_membership_store_exits_2_with_one_line()
    {
        string silo = Path.Combine(Path.GetDirectoryName(FluteProcess.Binary)!, "..", "..", "..", "..", "Flute.Silo", "bin",
            new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0", "flute-silo");
        const string deadStore = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
            "TableEndpoint=http://127.0.0.1:9/devstoreaccount1;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;";
        string settings = Path.Combine(reference.Directory, "silo-settings.json");
        File.WriteAllText(settings, "{ \"Flute\": { \"Silo\": { \"Trainers\": 2, \"Trianers\": 3 } } }");
        (string[] Args, string Message)[] cases =
        [
            (["--settings", settings], "unknown silo setting 'Trianers'"),
            (["--settings", "/nonexistent/silo.json"], "--settings: file not found"),
            (["--settings", settings, "--device", "tpu"], "'Trianers'"),
            (["--device", "gpu0"], "--device"),
            (["--device", "cuda:0"], "no CUDA"),
            (["--clustering", "azure", "--clustering-connection", deadStore], "membership store at http://127.0.0.1:9/"),
            (["--clustering", "azure", "--clustering-connection", "not a connection string"], "malformed"),
            (["--tls-cert", "/nonexistent/cluster.pfx"], "/nonexistent/cluster.pfx"),
            (["--trainers", "-1"], "--trainers"),
            (["--bogus", "1"], "unknown option '--bogus'"),
        ];
        foreach (var (args, message) in cases)
        {
            var start = new ProcessStartInfo(Path.GetFullPath(silo)) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string a in args) start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            string stderr = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), string.Join(' ', args));
            Assert.Equal(2, process.ExitCode);
            string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.StartsWith("flute-silo: ", lines[0]);
            Assert.Contains(message, lines[0]);
        }

        // Environment variables are settings too (FLUTE_SILO_<Key>), and options win over them.
        var fromEnvironment = new ProcessStartInfo(Path.GetFullPath(silo)) { RedirectStandardError = true, RedirectStandardOutput = true };
        fromEnvironment.Environment["FLUTE_SILO_Device"] = "cuda:7";
        using (var process = Process.Start(fromEnvironment)!)
        {
            string stderr = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)));
            Assert.Equal(2, process.ExitCode);
            Assert.Contains("cuda:7", stderr);
        }
        fromEnvironment.ArgumentList.Add("--device");
        fromEnvironment.ArgumentList.Add("gpu1");
        using (var process = Process.Start(fromEnvironment)!)
        {
            string stderr = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)));
            Assert.Equal(2, process.ExitCode);
            Assert.Contains("gpu1", stderr);
        }
    }

    [Fact]
    public void Silo_settings_come_from_a_file_then_the_environment_then_options()
    {
        string silo = SiloBinary();
        string settings = Path.Combine(reference.Directory, "good-silo.json");
        File.WriteAllText(settings, "{ \"Flute\": { \"Silo\": { \"Trainers\": 2, \"Name\": \"from-file\", \"ThreadsPerTrainer\": 1 } } }");
        var start = new ProcessStartInfo(silo) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in new[] { "--settings", settings, "--name", "from-options", "--silo-port", FreePort().ToString(), "--gateway-port", FreePort().ToString(), "--storage", "none" })
            start.ArgumentList.Add(a);
        start.Environment["FLUTE_SILO_Trainers"] = "3";      // the environment wins over the file
        start.Environment["FLUTE_SILO_Name"] = "from-env";   // options win over the environment
        using var process = Process.Start(start)!;
        try
        {
            string? ready = null;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(60) && process.StandardOutput.ReadLine() is string line)
            {
                if (line.StartsWith("flute-silo: ready: ", StringComparison.Ordinal))
                {
                    ready = line;
                    break;
                }
            }
            Assert.NotNull(ready);
            Assert.Contains("ready: from-options ", ready);
            Assert.Contains("device cpu, 3 trainer(s) x 1 thread(s)", ready);
            Assert.Contains("storage none", ready);
        }
        finally
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    private static string SiloBinary() => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(FluteProcess.Binary)!, "..", "..", "..", "..", "Flute.Silo", "bin",
        new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0", "flute-silo"));

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static JsonElement Summary(string directory, string id) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "runs", id, "summary.json"))).RootElement;

    internal static List<JsonElement> Rounds(string directory, string id) =>
        [.. File.ReadAllLines(Path.Combine(directory, "runs", id, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)];
}
