using System.Globalization;
using Flute.Interfaces;
using Spectre.Console;

namespace Flute.Client.Cli;

/// <summary>
/// On a terminal, a live progress bar under the usual round lines (Spectre.Console): round/total,
/// ETA, latest loss and accuracy, clients per second and silos. The round lines themselves are the
/// plain ones, printed above the bar, so what scripts parse is the same on a terminal and in a pipe;
/// when standard output is not a terminal (CI, pipes, <c>| tee</c>) there is no bar at all.
/// </summary>
internal static class LiveProgress
{
    /// <summary>Whether the bar is shown: standard output is an interactive terminal that renders ANSI, and TERM is not "dumb".</summary>
    public static bool Enabled(TextWriter output) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected
        && Environment.GetEnvironmentVariable("TERM") is not "dumb"
        && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="watch"/> (which reports each new round) under the bar, or plainly when it is off.</summary>
    public static async Task<T> RunAsync<T>(TextWriter output, int totalRounds, int firstRound, Func<Action<RoundMetrics, int>, Task<T>> watch)
    {
        if (!Enabled(output)) return await watch((_, _) => { });
        var status = new LiveStatus(totalRounds, firstRound);
        return await AnsiConsole.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask(status.Describe(), maxValue: Math.Max(1, totalRounds - firstRound));
                return await watch((m, silos) =>
                {
                    status.Add(m, silos);
                    task.Description = status.Describe();
                    task.Value = Math.Max(0, m.Round - firstRound);
                    // Drawn now rather than at the next refresh tick, so even fast rounds show.
                    context.Refresh();
                });
            });
    }
}

/// <summary>What the live bar says, from the rounds seen so far (kept apart from rendering so a test can check it).</summary>
internal sealed class LiveStatus(int totalRounds, int firstRound)
{
    private readonly int _first = firstRound;
    private long _clients;
    private double _seconds;

    public int Round { get; private set; } = firstRound;
    public double? Loss { get; private set; }
    public double? Accuracy { get; private set; }
    public int Silos { get; private set; }

    /// <summary>Clients trained per second of round time so far (0 before the first round).</summary>
    public double ClientsPerSecond => _seconds > 0 ? _clients / _seconds : 0;

    public void Add(RoundMetrics m, int silos)
    {
        Round = m.Round;
        Silos = silos;
        if (m.TestAccuracy is double accuracy) Accuracy = accuracy;
        if (m.Round == 0) return;
        if (double.IsFinite(m.TrainLoss)) Loss = m.TrainLoss;
        _clients += m.Clients;
        _seconds += m.Seconds;
    }

    /// <summary>One line, e.g. <c>round 12/50 · loss 0.1234 · acc 0.9512 · 145 clients/s · 1 silo</c> (markup-escaped).</summary>
    public string Describe() => Markup.Escape(string.Join(" · ", new[]
    {
        $"round {Round}/{totalRounds}",
        Loss is double l ? string.Create(CultureInfo.InvariantCulture, $"loss {l:0.0000}") : null,
        Accuracy is double a ? string.Create(CultureInfo.InvariantCulture, $"acc {a:0.0000}") : null,
        Round > _first ? string.Create(CultureInfo.InvariantCulture, $"{ClientsPerSecond:0} clients/s") : null,
        Silos > 0 ? $"{Silos} silo{(Silos == 1 ? "" : "s")}" : null,
    }.Where(part => part is not null)));
}

/// <summary>Whole lines through Spectre.Console, so lines printed while the live bar shows land above it.</summary>
internal sealed class AnsiLineWriter() : LineWriter(AnsiConsole.WriteLine);
