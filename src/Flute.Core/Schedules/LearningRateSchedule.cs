using Flute.Core.Configuration;

namespace Flute.Core.Schedules;

/// <summary>
/// A learning rate as a pure function of the round (1-based), in the spirit of PyTorch's
/// <c>StepLR</c>, <c>ExponentialLR</c> and <c>CosineAnnealingLR</c> stepped once per round:
/// <list type="bullet">
/// <item><c>constant</c>: lr.</item>
/// <item><c>step</c>: lr · γ^⌊(r − 1) / N⌋ (γ every N rounds).</item>
/// <item><c>exponential</c>: lr · γ^(r − 1).</item>
/// <item><c>cosine</c>: lr_min + (lr − lr_min) · (1 + cos(π (r − 1) / (R − 1))) / 2 over the run's R rounds, so
/// round 1 trains at lr and round R at lr_min (CosineAnnealingLR with T_max = R − 1); R = 1 gives lr.</item>
/// </list>
/// Rounds past R (a run extended on resume) keep lr_min, so a schedule never rises again.
/// </summary>
public sealed class LearningRateSchedule
{
    /// <summary>The schedule names, in documentation order.</summary>
    public const string Constant = "constant", Step = "step", Exponential = "exponential", Cosine = "cosine";

    /// <summary>Creates a schedule; the arguments are checked as the configuration checks them.</summary>
    /// <param name="kind">One of <see cref="KnownNames.LrSchedules"/>.</param>
    /// <param name="lr">The base rate, &gt; 0.</param>
    /// <param name="gamma">Decay factor of step and exponential, in (0, 1].</param>
    /// <param name="stepRounds">Rounds between two decays of step, ≥ 1.</param>
    /// <param name="minLr">Final rate of cosine, ≥ 0 and ≤ <paramref name="lr"/>.</param>
    /// <param name="totalRounds">The run's rounds R (cosine's horizon), ≥ 1.</param>
    public LearningRateSchedule(string kind, double lr, double gamma = 1, int stepRounds = 1, double minLr = 0, int totalRounds = 1)
    {
        if (!KnownNames.LrSchedules.Contains(kind))
            throw new ArgumentOutOfRangeException(nameof(kind), kind, $"unknown schedule; expected one of {string.Join(", ", KnownNames.LrSchedules)}");
        if (!double.IsFinite(lr) || lr <= 0) throw new ArgumentOutOfRangeException(nameof(lr), lr, "must be finite and > 0");
        if (!(gamma > 0 && gamma <= 1)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "must be in (0, 1]");
        if (stepRounds < 1) throw new ArgumentOutOfRangeException(nameof(stepRounds), stepRounds, "must be ≥ 1");
        if (!(minLr >= 0 && minLr <= lr)) throw new ArgumentOutOfRangeException(nameof(minLr), minLr, "must be ≥ 0 and ≤ lr");
        if (totalRounds < 1) throw new ArgumentOutOfRangeException(nameof(totalRounds), totalRounds, "must be ≥ 1");
        Kind = kind;
        Lr = lr;
        Gamma = gamma;
        StepRounds = stepRounds;
        MinLr = minLr;
        TotalRounds = totalRounds;
    }

    /// <summary>The schedule's name.</summary>
    public string Kind { get; }
    /// <summary>The rate of round 1.</summary>
    public double Lr { get; }
    /// <summary>Decay factor of step and exponential.</summary>
    public double Gamma { get; }
    /// <summary>Rounds between decays of step.</summary>
    public int StepRounds { get; }
    /// <summary>Final rate of cosine.</summary>
    public double MinLr { get; }
    /// <summary>Cosine's horizon: the run's rounds.</summary>
    public int TotalRounds { get; }

    /// <summary>The client schedule of a configuration (client.lr, client.lr_schedule, …; experiment.rounds).</summary>
    public static LearningRateSchedule ForClient(FluteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var c = config.Client;
        return new(c.LrSchedule, c.Lr, c.LrGamma, c.LrStepRounds, c.LrMin, config.Experiment.Rounds);
    }

    /// <summary>The server schedule of a configuration (server.lr, server.lr_schedule, …; experiment.rounds).</summary>
    public static LearningRateSchedule ForServer(FluteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var s = config.Server;
        return new(s.LrSchedule, s.Lr, s.LrGamma, s.LrStepRounds, s.LrMin, config.Experiment.Rounds);
    }

    /// <summary>The learning rate of round <paramref name="round"/> (1-based). Constant returns <see cref="Lr"/> exactly.</summary>
    public double At(int round)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(round, 1);
        int elapsed = round - 1;
        return Kind switch
        {
            Step => Lr * Math.Pow(Gamma, elapsed / StepRounds),
            Exponential => Lr * Math.Pow(Gamma, elapsed),
            Cosine => TotalRounds == 1 ? Lr
                : round >= TotalRounds ? MinLr
                : MinLr + (Lr - MinLr) * (1 + Math.Cos(Math.PI * elapsed / (TotalRounds - 1))) / 2,
            _ => Lr,
        };
    }
}
