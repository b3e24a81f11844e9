using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Flute.Client.Tests;

/// <summary>The terminal's live bar says what the rounds say; a pipe gets the plain lines only, unchanged.</summary>
[Collection("processes")]
public sealed partial class LiveProgressTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("flute-live-").FullName;

    [Fact]
    public void On_a_terminal_a_live_bar_shows_the_round_loss_accuracy_and_client_rate_under_the_same_lines()
    {
        File.WriteAllText(Path.Combine(_directory, "small.yaml"), TestConfigs.SmallMnist("small", rounds: 3, evalEvery: 1));
        // script(1) (util-linux, in every Debian) runs the CLI on a pseudo-terminal.
        var start = new ProcessStartInfo("script") { WorkingDirectory = _directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-qec", $"{FluteProcess.Binary} run small.yaml --storage none --id live", "/dev/null" }) start.ArgumentList.Add(a);
        start.Environment["TERM"] = "xterm-256color";
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)));
        Assert.Equal(0, process.ExitCode);
        // The bar: "round N/3 · loss … · acc … · … clients/s · 1 silo", drawn with escape codes.
        Assert.Contains('\u001b', output);
        Assert.Matches(@"round [1-3]/3 · loss \d\.\d{4} · acc \d\.\d{4} · \d+ clients/s · 1 silo", output);
        // The round lines are the plain ones, above it.
        Assert.Matches(@"round 3/3  loss \d\.\d{4}  acc \d\.\d{4}  \d+\.\d{3}s  eta 0\.0s", output);
        Assert.Contains("done: 3 rounds, test_accuracy", output);
    }

    [Fact]
    public void Output_to_a_pipe_is_the_plain_lines_without_escape_codes()
    {
        File.WriteAllText(Path.Combine(_directory, "small.yaml"), TestConfigs.SmallMnist("small", rounds: 3, evalEvery: 2));
        var run = FluteProcess.Run(_directory, "run", "small.yaml", "--storage", "none", "--id", "plain");
        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.DoesNotContain('\u001b', run.StdOut);
        string[] lines = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // The contract scripts parse (docs/cli.md), line by line.
        Assert.Matches(StartLine(), lines[0]);
        Assert.Matches(ReadyLine(), lines[1]);
        Assert.Matches(InitialLine(), lines[2]);
        Assert.Matches(RoundLine(1, evaluated: false), lines[3]);
        Assert.Matches(RoundLine(2, evaluated: true), lines[4]);
        Assert.Matches(RoundLine(3, evaluated: true), lines[5]);
        Assert.Matches(DoneLine(), lines[6]);
        Assert.Equal(7, lines.Length);
    }

    private static Regex RoundLine(int round, bool evaluated) =>
        new($@"^round {round}/3  loss \d+\.\d{{4}}{(evaluated ? @"  acc \d\.\d{4}" : "")}  \d+\.\d{{3}}s  eta \d+\.\ds$");

    [GeneratedRegex(@"^experiment plain -> runs/plain \(store: none\)$")]
    private static partial Regex StartLine();

    [GeneratedRegex(@"^ready: silo \d+\.\d\ds, data and model ready after \d+\.\d\ds, 2 trainer\(s\) x 1 thread\(s\)$")]
    private static partial Regex ReadyLine();

    [GeneratedRegex(@"^round 0/3  initial model  acc \d\.\d{4}  test_loss \d+\.\d{4}  \d+\.\d{3}s$")]
    private static partial Regex InitialLine();

    [GeneratedRegex(@"^done: 3 rounds, test_accuracy \d\.\d{4} \(round 0: \d\.\d{4}\), wall \d+(\.\d+)? s, model [0-9a-f]{16}; summary in .*runs/plain/summary\.json$")]
    private static partial Regex DoneLine();

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
