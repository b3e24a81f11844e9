using System.Text.Json;

namespace Flute.Client.Tests.Durability;

/// <summary>The crash scenarios and the local store's own behaviour, with real processes on a local directory store.</summary>
public sealed class LocalDurabilityTests : DurabilityScenarios
{
    protected override string[] StorageArgs => ["--store", Path.Combine(Directory, "store")];

    protected override string Backend => "local";

    [Theory]
    [MemberData(nameof(Phases))]
    public void Crash_at_an_injected_point_then_resume_gives_the_uninterrupted_model(string phase) =>
        CrashAtInjectedPointThenResume(phase);

    [Theory]
    [InlineData("train")]
    [InlineData("committed")]
    public void Scaffold_crashed_mid_run_then_resumed_gives_the_uninterrupted_model(string phase)
    {
        // "train": half of round 5's clients have written their c_i for round 5, which the re-run must
        // not read; "committed": c of round 5 is in the checkpoint and must be the one round 6 trains with.
        string reference = Id($"scaffold-reference-{phase}");
        string id = Id($"scaffold-crash-{phase}");
        string[] scaffold = ["--set", "server.strategy=scaffold"];
        var straight = Flute(["run", ConfigPath, "--id", reference, .. scaffold]);
        var crashed = FluteWith(new Dictionary<string, string> { ["FLUTE_CRASH_AT"] = $"5:{phase}" }, ["run", ConfigPath, "--id", id, .. scaffold]);

        Assert.True(straight.ExitCode == 0, straight.StdErr);
        Assert.True(crashed.ExitCode == 137, $"expected a SIGKILL at 5:{phase}, got exit {crashed.ExitCode}\n{crashed.StdErr}");
        ResumeToEnd(id);
        Assert.Equal(SummarySha(reference), SummarySha(id));
        Assert.NotEqual(ReferenceSha(), SummarySha(id)); // SCAFFOLD really ran: FedAvg's model differs
        Assert.Equal(Enumerable.Range(0, Rounds + 1), MetricsRounds(id));
    }

    /// <summary>
    /// A quantizing codec (its stochastic rounding is keyed by round and client), central DP (its
    /// noise by round, its ε a function of the round), local DP (its noise by round and client) and top-k
    /// with error feedback (each client's residual in the client state store, next to SCAFFOLD's c_i in the
    /// last case): a re-run round must draw the same and read the residuals from before it, and the resumed
    /// run must report the same ε as the uninterrupted one. Secure aggregation (masks keyed by round and
    /// pair): the re-run round's clients mask again, and the model is FedAvg's own. FedBuff on the virtual
    /// clock (its in-flight updates, step count and virtual time are strategy state in the checkpoint): the
    /// resumed run continues with the same updates in flight.
    /// </summary>
    [Theory]
    [InlineData("quant", "client.codec=quant:4", false)]
    [InlineData("dp", "server.strategy=dpfedavg", false)]
    [InlineData("dp-adaptive", "server.strategy=dpfedavg;privacy.adaptive_clipping=on;privacy.clipped_count_stddev=1;server.sampling=poisson", false)]
    [InlineData("local-dp", "client.update_steps=local_dp", false)]
    [InlineData("topk", "client.codec=topk:0.05", false)]
    [InlineData("topk-scaffold", "client.codec=topk:0.05;server.strategy=scaffold", false)]
    [InlineData("secagg", "server.secure_aggregation=on", true)]
    [InlineData("fedbuff", "devices.clock=on;server.strategy=fedbuff", false)]
    public void A_quantized_or_private_run_crashed_mid_round_then_resumed_gives_the_uninterrupted_model_and_epsilon(string name, string settings, bool sameAsFedAvg)
    {
        string reference = Id($"{name}-reference");
        string id = Id($"{name}-crash");
        string[] sets = [.. settings.Split(';').SelectMany(s => new[] { "--set", s })];
        var straight = Flute(["run", ConfigPath, "--id", reference, .. sets]);
        var crashed = FluteWith(new Dictionary<string, string> { ["FLUTE_CRASH_AT"] = "5:train" }, ["run", ConfigPath, "--id", id, .. sets]);

        Assert.True(straight.ExitCode == 0, straight.StdErr);
        Assert.True(crashed.ExitCode == 137, $"expected a SIGKILL at 5:train, got exit {crashed.ExitCode}\n{crashed.StdErr}");
        ResumeToEnd(id);
        Assert.Equal(SummarySha(reference), SummarySha(id));
        // The codec or DP really ran (FedAvg's float32 model differs); masks cancel exactly (it is the same).
        if (sameAsFedAvg) Assert.Equal(ReferenceSha(), SummarySha(id));
        else Assert.NotEqual(ReferenceSha(), SummarySha(id));
        // Masked rounds say how many leftover mask pairs they removed (none without dropouts).
        string metrics = File.ReadAllText(Path.Combine(Directory, "runs", id, "metrics.jsonl"));
        Assert.Equal(sameAsFedAvg, metrics.Contains("\"mask_pairs_recovered\":0", StringComparison.Ordinal));
        Assert.Equal(Summary(reference).GetProperty("epsilon").ToString(), Summary(id).GetProperty("epsilon").ToString());
        Assert.Equal(Enumerable.Range(0, Rounds + 1), MetricsRounds(id));
        // Adaptive clipping's C is committed with every round: the resumed rounds clip to the same C.
        Assert.Equal(MetricsValues(reference, "clip_norm"), MetricsValues(id, "clip_norm"));
    }

    private string[] MetricsValues(string id, string key) =>
        [.. File.ReadAllLines(Path.Combine(Directory, "runs", id, "metrics.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement.TryGetProperty(key, out JsonElement v) ? v.ToString() : "")];

    [Fact]
    public void Five_random_sigkills_then_resume_give_the_uninterrupted_model() => RandomKillsThenResume(seed: 11);

    [Fact]
    public void Pausing_a_crashed_experiment_says_it_is_not_running_instead_of_waiting()
    {
        var crashed = FluteWith(new Dictionary<string, string> { ["FLUTE_CRASH_AT"] = "3:committed" }, "run", ConfigPath, "--id", "crashed");
        Assert.Equal(137, crashed.ExitCode);

        var pause = Flute("pause", "crashed");

        Assert.Equal(2, pause.ExitCode);
        Assert.Contains("is not running: its last run stopped after round 3/", pause.StdErr);
        Assert.Contains("./flute resume crashed", pause.StdErr);
    }

    [Fact]
    public void Pause_from_a_second_terminal_then_resume_gives_the_uninterrupted_model() => PauseFromSecondTerminalThenResume();

    [Fact]
    public void Ctrl_c_pauses_at_a_round_boundary_and_resume_finishes_the_same_model()
    {
        // The long run: the watcher prints rounds as it polls, so by the time "round 02/" is printed the
        // experiment can be many rounds further; 24 short rounds could all be done before the signal lands.
        using var run = Start(null, ["run", ConfigPath, "--id", "ctrl-c", .. LongRun]);
        Assert.True(run.WaitForLine("round 02/", TimeSpan.FromMinutes(2)), run.StdOut);

        run.Signal(2); // SIGINT, as Ctrl+C sends
        var paused = run.WaitForExit();

        Assert.True(paused.ExitCode == 0, paused.StdErr);
        Assert.Contains("paused after round", paused.StdOut);
        ResumeToEnd("ctrl-c", LongRounds);
        Assert.Equal(ReferenceSha(LongRounds), SummarySha("ctrl-c"));
    }

    [Fact]
    public void A_finished_experiment_extended_with_resume_rounds_equals_the_longer_run()
    {
        var shortRun = Flute("run", ConfigPath, "--id", "extended", "--set", "experiment.rounds=10");
        Assert.True(shortRun.ExitCode == 0, shortRun.StdErr);

        var again = Flute("resume", "extended");
        var extended = Flute("resume", "extended", "--rounds", $"{Rounds}");

        Assert.Equal(2, again.ExitCode);
        Assert.Contains("has finished all 10 rounds; pass --rounds N", again.StdErr);
        Assert.True(extended.ExitCode == 0, extended.StdErr);
        Assert.Equal(ReferenceSha(), SummarySha("extended"));
        Assert.Equal(Enumerable.Range(0, Rounds + 1), MetricsRounds("extended"));
    }

    [Fact]
    public void A_second_process_on_the_same_experiment_is_refused_while_the_first_runs()
    {
        using var first = Start(null, "run", ConfigPath, "--id", "busy", "--set", "experiment.rounds=400");
        Assert.True(first.WaitForLine("round 001/", TimeSpan.FromMinutes(2)), first.StdOut);

        var second = Flute("resume", "busy");
        var third = Flute("run", ConfigPath, "--id", "busy");
        first.Kill();

        Assert.Equal(2, second.ExitCode);
        Assert.Contains("experiment 'busy' is in use by another process", second.StdErr);
        Assert.Equal(2, third.ExitCode);
        Assert.Single(second.StdErr.Trim().Split('\n'));
    }

    [Fact]
    public void A_run_never_overwrites_an_existing_experiment()
    {
        Assert.Equal(0, Flute("run", ConfigPath, "--id", "once", "--set", "experiment.rounds=2").ExitCode);
        string sha = SummarySha("once");

        var again = Flute("run", ConfigPath, "--id", "once", "--set", "experiment.rounds=2");

        Assert.Equal(2, again.ExitCode);
        Assert.Contains("experiment 'once' already exists", again.StdErr);
        Assert.Equal(sha, SummarySha("once"));
    }

    [Fact]
    public void A_corrupt_latest_checkpoint_is_reported_with_its_file_and_an_earlier_round_can_be_used()
    {
        Assert.Equal(0, Flute("run", ConfigPath, "--id", "damaged", "--set", "experiment.rounds=6").ExitCode);
        string weights = Path.Combine(Directory, "store", "experiments", "damaged", "rounds", "000006", "weights.bin");
        byte[] bytes = File.ReadAllBytes(weights);
        bytes[^5] ^= 0x40; // one flipped bit in the weights
        File.WriteAllBytes(weights, bytes);

        var resume = Flute("resume", "damaged", "--rounds", "12");
        var fork = Flute("resume", "damaged", "--from-round", "5", "--id", "repaired", "--rounds", "12");
        var reference = Flute("run", ConfigPath, "--id", "clean", "--set", "experiment.rounds=12");

        Assert.NotEqual(0, resume.ExitCode);
        Assert.Contains("damaged", resume.StdErr);
        Assert.Contains(weights, resume.StdErr);
        Assert.Contains("--from-round", resume.StdErr);
        Assert.Single(resume.StdErr.Trim().Split('\n'));
        Assert.True(fork.ExitCode == 0, fork.StdErr);
        Assert.Equal(SummarySha("clean"), SummarySha("repaired"));
        Assert.Equal(Enumerable.Range(0, 13), MetricsRounds("repaired"));
        Assert.Contains("started from damaged@5", Flute("status", "repaired").StdOut);
    }

    [Fact]
    public void Resume_refuses_a_config_that_changes_the_model_unless_forced_and_records_the_branch()
    {
        Assert.Equal(0, Flute("run", ConfigPath, "--id", "branching", "--set", "experiment.rounds=4").ExitCode);

        var refused = Flute("resume", "branching", "--rounds", "6", "--set", "client.lr=0.5", "--set", "silo.trainers=1");
        var forced = Flute("resume", "branching", "--rounds", "6", "--set", "client.lr=0.5", "--force-config");
        var status = Flute("status", "branching");

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("client.lr", refused.StdErr);
        Assert.DoesNotContain("silo.trainers", refused.StdErr);
        Assert.Single(refused.StdErr.Trim().Split('\n'));
        Assert.True(forced.ExitCode == 0, forced.StdErr);
        Assert.Contains("config branch round 4: client.lr", status.StdOut);
    }

    [Fact]
    public void An_unusable_store_exits_3_with_one_line()
    {
        string file = Path.Combine(Directory, "not-a-directory");
        File.WriteAllText(file, "x");

        var result = FluteProcess.Run(Directory, "run", ConfigPath, "--id", "nowhere", "--store", Path.Combine(file, "store"));

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("flute: storage error", result.StdErr);
        Assert.Single(result.StdErr.Trim().Split('\n'));
    }

    [Fact]
    public void List_status_and_export_read_the_store_and_pytorch_loads_the_export()
    {
        Assert.Equal(0, Flute("run", ConfigPath, "--id", "listed", "--set", "experiment.rounds=3").ExitCode);
        string out1 = Path.Combine(Directory, "listed.pt");

        var list = Flute("list");
        var status = Flute("status", "listed");
        var export = Flute("export", "listed", "--format", "pytorch", "--out", out1);
        var missing = Flute("export", "listed", "--round", "1", "--format", "pytorch", "--out", out1 + ".x");

        Assert.Matches(@"listed\s+finished\s+3/3", list.StdOut);
        Assert.Contains(SummarySha("listed"), status.StdOut);
        Assert.True(export.ExitCode == 0, export.StdErr);
        Assert.Equal(2, missing.ExitCode); // round 1 is not kept (keep_rounds 2: rounds 2 and 3)
        Assert.Contains("not kept", missing.StdErr);

        var python = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/python3",
            ["-c", $"import torch, json; d = torch.load({JsonSerializer.Serialize(out1)}); print(json.dumps({{k: list(v.shape) for k, v in d.items()}}))"])
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string shapes = python.StandardOutput.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, "/usr/bin/python3 with torch is needed (Debian's python3-torch; ./test.sh installs it): " + python.StandardError.ReadToEnd());
        Assert.Equal("""{"linear.weight": [10, 784], "linear.bias": [10]}""", shapes.Trim());
    }

    [Fact]
    public void Snapshots_and_the_best_model_on_the_validation_split_are_kept_and_exportable()
    {
        var run = Flute("run", ConfigPath, "--id", "snapshots", "--set", "experiment.rounds=10", "--set", "server.eval_every=2",
            "--set", "data.validation_fraction=0.1", "--set", "storage.snapshot_every=4");
        Assert.True(run.ExitCode == 0, run.StdErr);

        var evaluated = File.ReadAllLines(Path.Combine(Directory, "runs", "snapshots", "metrics.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.TryGetProperty("val_accuracy", out _) && r.GetProperty("round").GetInt32() > 0)
            .ToList();
        // Every evaluated round (2, 4, 6, 8, 10) has validation metrics next to the test metrics.
        Assert.Equal([2, 4, 6, 8, 10], evaluated.Select(r => r.GetProperty("round").GetInt32()));
        Assert.All(evaluated, r => Assert.True(r.TryGetProperty("test_accuracy", out _)));
        // The best round by validation accuracy (ties keep the earlier round), computed here from the file.
        int best = evaluated.Aggregate((a, b) => b.GetProperty("val_accuracy").GetDouble() > a.GetProperty("val_accuracy").GetDouble() ? b : a)
            .GetProperty("round").GetInt32();

        var status = Flute("status", "snapshots");
        Assert.Contains($"best         round {best} (val_accuracy", status.StdOut);
        var kept = new SortedSet<int> { 4, 8, 9, 10, best };
        Assert.Contains($"kept rounds  {string.Join(", ", kept)}", status.StdOut);

        string bestFile = Path.Combine(Directory, "best.pt"), snapshotFile = Path.Combine(Directory, "r4.dat");
        var exportBest = Flute("export", "snapshots", "--round", "best", "--format", "pytorch", "--out", bestFile);
        var exportSnapshot = Flute("export", "snapshots", "--round", "4", "--format", "torchsharp", "--out", snapshotFile);
        Assert.True(exportBest.ExitCode == 0, exportBest.StdErr);
        Assert.Contains($"round {best}", exportBest.StdOut);
        Assert.True(exportSnapshot.ExitCode == 0, exportSnapshot.StdErr);
        Assert.True(new FileInfo(snapshotFile).Length > 7850 * 4);

        // A new experiment from the round-4 snapshot continues to the same model as the original.
        var fork = Flute("resume", "snapshots", "--from-round", "4", "--id", "from-snapshot");
        Assert.True(fork.ExitCode == 0, fork.StdErr);
        Assert.Equal(SummarySha("snapshots"), SummarySha("from-snapshot"));
    }
}
