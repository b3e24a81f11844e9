using Flute.Interfaces;

namespace Flute.Client.Cli;

/// <summary>
/// One line per round: round/total, train loss, test accuracy when evaluated, seconds, ETA. Round 0
/// (the initial model's evaluation) gets its own line and counts neither as an evaluated round nor
/// toward the ETA.
/// </summary>
public sealed class ProgressPrinter(TextWriter output, int totalRounds)
{
    private double _elapsed;
    private int _skipped;

    /// <summary>The last evaluated round after round 0, or null.</summary>
    public RoundMetrics? LastEvaluated { get; private set; }

    /// <summary>Round 0: the initial model's evaluation, or null (an experiment started before round 0 was recorded).</summary>
    public RoundMetrics? Initial { get; private set; }

    /// <summary>Takes a round run earlier into account (a resume's history) without printing it.</summary>
    public void Remember(RoundMetrics m)
    {
        if (m.Round == 0) Initial = m;
        else if (m.TestAccuracy is not null) LastEvaluated = m;
        _skipped = m.Round;
    }

    public void Print(RoundMetrics m)
    {
        string width = totalRounds.ToString().Length.ToString();
        if (m.Round == 0)
        {
            Initial = m;
            output.WriteLine($"round {m.Round.ToString("D" + width)}/{totalRounds}  initial model" +
                             (m.TestAccuracy is double a0 ? $"  acc {a0:0.0000}" : "") +
                             (m.TestLoss is double l0 ? $"  test_loss {l0:0.0000}" : "") +
                             $"  {m.EvalSeconds ?? 0:0.000}s");
            return;
        }
        double seconds = m.Seconds + (m.EvalSeconds ?? 0);
        _elapsed += seconds;
        if (m.TestAccuracy is not null) LastEvaluated = m;
        double eta = _elapsed / Math.Max(1, m.Round - _skipped) * (totalRounds - m.Round);
        string line = $"round {m.Round.ToString("D" + width)}/{totalRounds}  loss {m.TrainLoss:0.0000}" +
                      (m.TestAccuracy is double a ? $"  acc {a:0.0000}" : "") +
                      $"  {seconds:0.000}s  eta {eta:0.0}s" +
                      (m.Rejected > 0 ? $"  rejected {m.Rejected}" : "") +
                      (m.Retries > 0 ? $"  retries {m.Retries}" : "");
        output.WriteLine(line);
    }
}
