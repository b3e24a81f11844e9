using System.Collections.Concurrent;
using System.Text.Json;

namespace Flute.Client.Tests.Durability;

/// <summary>
/// Crash-and-resume scenarios with real processes, shared by both storage backends: every run is
/// `./flute run` / `./flute resume` as a user types them, crashes are SIGKILLs (from outside, or
/// from the FLUTE_CRASH_AT hook at a chosen phase of a chosen round), and the verdict is the final
/// model_sha256 against an uninterrupted run of the same config.
/// </summary>
public abstract class DurabilityScenarios : IDisposable
{
    /// <summary>Rounds of the crash config (evaluated every round, ~1.5 s in all): long enough that kills land mid-run, short enough for CI.</summary>
    protected const int Rounds = 24;

    /// <summary>Rounds of the runs that random kills and a pause from another process must catch mid-run.</summary>
    protected const int LongRounds = 80;

    /// <summary>
    /// The long run: <see cref="LongRounds"/> rounds of 10 clients × 2 epochs over all their ~1,200
    /// samples, so that even on an idle machine a round takes ~60 ms (80 rounds ~5 s) and a second
    /// process (flute pause) lands mid-run; the crash config's own rounds take ~7 ms there.
    /// </summary>
    protected static readonly string[] LongRun =
    [
        "--set", $"experiment.rounds={LongRounds}", "--set", "client.max_samples=0", "--set", "client.local_epochs=2",
        "--set", "server.clients_per_round=10",
    ];

    private static readonly ConcurrentDictionary<string, string> s_references = new();

    protected DurabilityScenarios()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("flute-durable-").FullName;
        ConfigPath = Path.Combine(Directory, "crash.yaml");
        File.WriteAllText(ConfigPath, TestConfigs.SmallMnist("crash", rounds: Rounds, evalEvery: 1));
    }

    protected string Directory { get; }

    /// <summary>The crash phases of <c>FLUTE_CRASH_AT</c>, for the backends' theories.</summary>
    public static TheoryData<string> Phases => ["train", "blobs", "commit", "committed", "pruned"];

    /// <summary>A unique experiment id for <paramref name="name"/>: a shared store (Azurite) outlives one test.</summary>
    protected string Id(string name) => $"{name}-{_suffix}";

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    protected string ConfigPath { get; }

    /// <summary>The storage options for every command (e.g. --storage azure --azure-connection ...).</summary>
    protected abstract string[] StorageArgs { get; }

    /// <summary>A label that keeps this backend's reference runs apart from the other's.</summary>
    protected abstract string Backend { get; }

    public virtual void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private protected FluteProcess.Result Flute(params string[] args) => FluteWith(null, args);

    private protected FluteProcess.Result FluteWith(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        FluteProcess.RunWith(Directory, environment, [.. args, .. StorageArgs]);

    private protected FluteProcess.Running Start(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        FluteProcess.Start(Directory, environment, [.. args, .. StorageArgs]);

    /// <summary>The model of an uninterrupted run of the crash config for <paramref name="rounds"/> rounds, <see cref="LongRun"/> for <see cref="LongRounds"/> (computed once per backend).</summary>
    protected string ReferenceSha(int rounds = Rounds) =>
        s_references.GetOrAdd($"{Backend}/{rounds}", _ =>
        {
            string id = Id($"reference-{rounds}");
            string[] settings = rounds == LongRounds ? LongRun : ["--set", $"experiment.rounds={rounds}"];
            var result = Flute(["run", ConfigPath, "--id", id, .. settings]);
            Assert.True(result.ExitCode == 0, result.StdErr);
            return SummarySha(id);
        });

    protected string SummarySha(string id) =>
        Summary(id).GetProperty("model_sha256").GetString() ?? throw new InvalidOperationException($"{id}: no model_sha256 in its summary");

    protected JsonElement Summary(string id) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "runs", id, "summary.json"))).RootElement;

    /// <summary>The rounds in metrics.jsonl, in file order (round 0: the initial model's evaluation); every line must parse.</summary>
    protected int[] MetricsRounds(string id) =>
        [.. File.ReadAllLines(Path.Combine(Directory, "runs", id, "metrics.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("round").GetInt32())];

    /// <summary>Resumes until the experiment has finished (a resume can itself be the victim of the next kill).</summary>
    protected void ResumeToEnd(string id, int rounds = Rounds)
    {
        var result = Flute("resume", id);
        Assert.True(result.ExitCode == 0, $"resume {id}: exit {result.ExitCode}\n{result.StdOut}\n{result.StdErr}");
        Assert.Contains($"done: {rounds} rounds", result.StdOut);
    }

    protected void CrashAtInjectedPointThenResume(string phase)
    {
        string id = Id($"crash-{phase}");
        var crashed = FluteWith(new Dictionary<string, string> { ["FLUTE_CRASH_AT"] = $"5:{phase}" }, "run", ConfigPath, "--id", id);

        // SIGKILL: 128 + 9; the hook announces itself on stderr first.
        Assert.True(crashed.ExitCode == 137, $"expected a SIGKILL at 5:{phase}, got exit {crashed.ExitCode}\n{crashed.StdErr}");
        Assert.Contains($"crash point 5:{phase}", crashed.StdErr);

        ResumeToEnd(id);
        Assert.Equal(ReferenceSha(), SummarySha(id));
        Assert.Equal(Enumerable.Range(0, Rounds + 1), MetricsRounds(id));
    }

    protected void RandomKillsThenResume(int seed)
    {
        string id = Id($"random-kills-{seed}");
        var random = new Random(seed);
        int killedMidRun = 0, committed = 0;
        var targets = new List<string>();
        for (int kill = 0; kill < 5; kill++)
        {
            string[] command = kill == 0 ? ["run", ConfigPath, "--id", id, .. LongRun] : ["resume", id];
            using var process = Start(null, command);
            Assert.True(process.WaitForLine("ready:", TimeSpan.FromMinutes(2)), $"no 'ready:' line from {string.Join(' ', command)}: {process.StdOut}");
            // A random moment a few rounds after the last commit (progress, not wall time, so a fast machine
            // cannot finish the run first), then a random few milliseconds more: mid-round, mid-commit, mid-evaluation.
            int target = committed + random.Next(1, 7);
            int extra = random.Next(0, 40);
            targets.Add($"round {target} + {extra} ms");
            process.WaitForRound(target, TimeSpan.FromMinutes(2));
            Thread.Sleep(extra);
            bool alive = !process.StdOut.Contains("done:");
            process.Kill();
            var result = process.WaitForExit();
            if (result.ExitCode == 137 && alive) killedMidRun++;
            if (result.StdOut.Contains($"done: {LongRounds} rounds")) break;
            committed = result.StdOut.Split('\n').Select(FluteProcess.Running.RoundOf).DefaultIfEmpty(committed).Max();
        }
        var final = Flute("resume", id);
        Assert.True(final.ExitCode is 0 or 2, final.StdErr); // 2: already finished before the last kill
        Assert.Equal(ReferenceSha(LongRounds), SummarySha(id));
        Assert.Equal(Enumerable.Range(0, LongRounds + 1), MetricsRounds(id));
        Assert.True(killedMidRun >= 3, $"only {killedMidRun} of 5 kills (at {string.Join(", ", targets)}) hit a running experiment: the run is too short to test this");
    }

    protected void PauseFromSecondTerminalThenResume()
    {
        string id = Id("paused");
        using var run = Start(null, ["run", ConfigPath, "--id", id, .. LongRun]);
        Assert.True(run.WaitForLine("round 03/", TimeSpan.FromMinutes(2)), run.StdOut);

        var pause = Flute("pause", id);
        var paused = run.WaitForExit();

        Assert.True(pause.ExitCode == 0, pause.StdErr + pause.StdOut);
        Assert.True(paused.ExitCode == 0, paused.StdErr);
        Assert.Contains("paused after round", paused.StdOut);
        Assert.Contains($"./flute resume {id}", paused.StdOut);
        Assert.Equal("paused", Summary(id).GetProperty("status").GetString());
        int pausedAt = Summary(id).GetProperty("rounds_completed").GetInt32();
        Assert.InRange(pausedAt, 3, LongRounds - 1);

        var status = Flute("status", id);
        Assert.Contains("status       paused", status.StdOut);
        Assert.Contains($"rounds       {pausedAt}/{LongRounds} committed", status.StdOut);

        ResumeToEnd(id, LongRounds);
        Assert.Equal(ReferenceSha(LongRounds), SummarySha(id));
        Assert.Equal(Enumerable.Range(0, LongRounds + 1), MetricsRounds(id));
    }
}
