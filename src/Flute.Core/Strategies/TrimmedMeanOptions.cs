namespace Flute.Core.Strategies;

/// <summary>The trimmed mean's hyper-parameter (from the config: <c>server.trim_fraction</c>).</summary>
/// <param name="TrimFraction">β in [0, 0.5): per coordinate, the ⌊β·n⌋ largest and ⌊β·n⌋ smallest of n values are dropped.</param>
public sealed record TrimmedMeanOptions(double TrimFraction = TrimmedMeanOptions.DefaultTrimFraction)
{
    /// <summary>The default β: trims one value from each end of a cohort of 10 (Yin et al. 2018 set β to the expected attacker share).</summary>
    public const double DefaultTrimFraction = 0.1;
}
