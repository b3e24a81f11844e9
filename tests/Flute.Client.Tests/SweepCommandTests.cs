using System.Globalization;
using System.Text.Json;

namespace Flute.Client.Tests;

/// <summary><c>flute sweep</c>: a 3 × 2 grid with 3 runs at a time on one embedded silo, checked against runs alone.</summary>
[Collection("processes")]
public sealed class SweepCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("flute-sweep-").FullName;

    private JsonElement Summary(string id) => JsonDocument.Parse(File.ReadAllText(Path.Combine(_directory, "runs", id, "summary.json"))).RootElement;

    [Fact]
    public void A_grid_runs_concurrently_and_every_run_equals_the_same_config_run_alone()
    {
        File.WriteAllText(Path.Combine(_directory, "small.yaml"), TestConfigs.SmallMnist("small", rounds: 3));
        var sweep = FluteProcess.Run(_directory, "sweep", "small.yaml", "--grid", "client.lr=0.02,0.05,0.2", "--seeds", "2",
            "--parallel", "3", "--id", "grid", "--storage", "none");
        Assert.True(sweep.ExitCode == 0, sweep.StdErr + sweep.StdOut);
        Assert.Contains("sweep grid: 6 run(s) (3 setting(s) × 2 seed(s)), 3 at a time", sweep.StdOut);
        Assert.Contains("sweep grid: 6/6 run(s) ended well", sweep.StdOut);
        Assert.Contains("[grid-04] done: 3 rounds", sweep.StdOut);

        // Runs 3 and 4 are client.lr 0.05 with seeds 3 and 4 (the config's seed counting up).
        string[] csv = File.ReadAllLines(Path.Combine(_directory, "runs", "grid", "sweep.csv"));
        Assert.Equal("run,client.lr,seed,status,rounds,test_accuracy,test_loss,rounds_seconds,model_sha256", csv[0]);
        Assert.Equal(7, csv.Length);
        Assert.StartsWith("grid-03,0.05,3,finished,3,", csv[3]);
        Assert.StartsWith("grid-04,0.05,4,finished,3,", csv[4]);
        for (int run = 1; run <= 6; run++)
        {
            string id = $"grid-{run:D2}";
            string[] fields = csv[run].Split(',');
            Assert.Equal(Summary(id).GetProperty("model_sha256").GetString(), fields[^1]);
            Assert.Equal(Summary(id).GetProperty("test_accuracy").GetDouble().ToString("R", CultureInfo.InvariantCulture), fields[5]);
            Assert.Contains(id + " ", sweep.StdOut);
        }
        Assert.Contains("over 2 seeds (grid-03, grid-04):", sweep.StdOut);

        // Concurrency changes nothing: the same settings run alone give the same models.
        foreach (var (id, seed) in new[] { ("grid-03", "3"), ("grid-04", "4") })
        {
            var alone = FluteProcess.Run(_directory, "run", "small.yaml", "--storage", "none", "--id", id + "-alone", "--seed", seed, "--set", "client.lr=0.05");
            Assert.True(alone.ExitCode == 0, alone.StdErr);
            Assert.Equal(Summary(id).GetProperty("model_sha256").GetString(), Summary(id + "-alone").GetProperty("model_sha256").GetString());
        }
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(_directory, "runs", "grid", "sweep.json")));
        Assert.Equal(6, manifest.RootElement.GetProperty("runs").GetArrayLength());
    }

    [Fact]
    public void Ctrl_c_pauses_a_sweep_and_resume_finishes_every_run_with_the_models_of_runs_alone()
    {
        // 80 rounds: the first run is still going when the SIGINT lands; the other two are queued behind it.
        File.WriteAllText(Path.Combine(_directory, "long.yaml"), TestConfigs.SmallMnist("long", rounds: 80));
        using (var sweep = FluteProcess.Start(_directory, null, "sweep", "long.yaml", "--grid", "client.lr=0.02,0.05,0.2", "--id", "pz"))
        {
            Assert.True(sweep.WaitForLine("[pz-01] round 02/", TimeSpan.FromMinutes(2)), sweep.StdOut);
            sweep.Signal(2); // SIGINT, as Ctrl+C sends
            var paused = sweep.WaitForExit();

            Assert.True(paused.ExitCode == 0, paused.StdErr + paused.StdOut);
            Assert.Contains("[pz-01] paused after round", paused.StdOut);
            Assert.DoesNotContain("[pz-02]", paused.StdOut);
            Assert.Contains("sweep pz paused: 3 run(s) to go (2 not started); continue with: ./flute sweep --resume pz", paused.StdOut);
        }

        var resumed = FluteProcess.Run(_directory, "sweep", "--resume", "pz");

        Assert.True(resumed.ExitCode == 0, resumed.StdErr + resumed.StdOut);
        Assert.Contains("[pz-01] client.lr=0.02: continuing after round", resumed.StdOut);
        Assert.Contains("[pz-03] done: 80 rounds", resumed.StdOut);
        Assert.Contains("sweep pz: 3/3 run(s) ended well, 3 finished", resumed.StdOut);
        // The paused run equals the same config run alone, uninterrupted; a second resume has nothing left to do.
        var alone = FluteProcess.Run(_directory, "run", "long.yaml", "--id", "pz-01-alone", "--set", "client.lr=0.02");
        Assert.True(alone.ExitCode == 0, alone.StdErr);
        Assert.Equal(Summary("pz-01-alone").GetProperty("model_sha256").GetString(), Summary("pz-01").GetProperty("model_sha256").GetString());
        var again = FluteProcess.Run(_directory, "sweep", "--resume", "pz");
        Assert.True(again.ExitCode == 0, again.StdErr);
        Assert.Contains("[pz-02] finished already (80 rounds)", again.StdOut);
    }

    [Fact]
    public void Resuming_a_sweep_that_does_not_exist_exits_2_with_one_line()
    {
        var result = FluteProcess.Run(_directory, "sweep", "--resume", "nope");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("sweep --resume: no sweep 'nope' here", Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void A_bad_grid_exits_2_with_one_line_before_anything_runs()
    {
        File.WriteAllText(Path.Combine(_directory, "small.yaml"), TestConfigs.SmallMnist("small", rounds: 3));
        (string[] Args, string Message)[] cases =
        [
            (["sweep", "small.yaml", "--grid", "client.lr"], "--grid: expected key.path=v1,v2,..., found 'client.lr'"),
            (["sweep", "small.yaml", "--grid", "client.lr=0.1,-1"], "client.lr"),
            (["sweep", "small.yaml", "--grid", "silo.trainers=1,2"], "silo.* must be the same for every run"),
            (["sweep", "small.yaml"], "give at least one --grid"),
            (["sweep", "small.yaml", "--grid", "client.lr=0.1", "--parallel", "0"], "--parallel: expected an integer ≥ 1"),
        ];
        foreach (var (args, message) in cases)
        {
            var result = FluteProcess.Run(_directory, [.. args, "--storage", "none"]);
            Assert.Equal(2, result.ExitCode);
            string line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(message, line);
        }
        Assert.False(Directory.Exists(Path.Combine(_directory, "runs")), "a refused sweep left a run directory");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
