using Flute.Interfaces;

namespace Flute.Client.Cli;

/// <summary>One line per round: round/total, train loss, test accuracy when evaluated, seconds, ETA.</summary>
public sealed class ProgressPrinter(TextWriter output, int totalRounds)
{
    private double _elapsed;
    private int _skipped;

    public RoundMetrics? LastEvaluated { get; private set; }

    /// <summary>Takes a round run earlier into account (a resume's history) without printing it.</summary>
    public void Remember(RoundMetrics m)
    {
        if (m.TestAccuracy is not null) LastEvaluated = m;
        _skipped = m.Round;
    }

    public void Print(RoundMetrics m)
    {
        double seconds = m.Seconds + (m.EvalSeconds ?? 0);
        _elapsed += seconds;
        if (m.TestAccuracy is not null) LastEvaluated = m;
        double eta = _elapsed / Math.Max(1, m.Round - _skipped) * (totalRounds - m.Round);
        string width = totalRounds.ToString().Length.ToString();
        string line = $"round {m.Round.ToString("D" + width)}/{totalRounds}  loss {m.TrainLoss:0.0000}" +
                      (m.TestAccuracy is double a ? $"  acc {a:0.0000}" : "") +
                      $"  {seconds:0.000}s  eta {eta:0.0}s" +
                      (m.Rejected > 0 ? $"  rejected {m.Rejected}" : "") +
                      (m.Retries > 0 ? $"  retries {m.Retries}" : "");
        output.WriteLine(line);
    }
}
