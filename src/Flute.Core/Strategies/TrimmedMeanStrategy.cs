using Flute.Core.Aggregation.Robust;

namespace Flute.Core.Strategies;

/// <summary>
/// Coordinate-wise trimmed mean: per coordinate, drop the ⌊β·n⌋ largest and ⌊β·n⌋ smallest of the n
/// updates' values and average the rest, unweighted (β = server.trim_fraction). Robust while attackers
/// make up at most a β share of the round. Yin, Chen, Ramchandran and Bartlett, "Byzantine-Robust
/// Distributed Learning: Towards Optimal Statistical Rates", ICML 2018, arXiv:1803.01498. Buffered:
/// memory cohort × parameters × 4 bytes on the server.
/// </summary>
public sealed class TrimmedMeanStrategy : BufferedStrategy
{
    /// <summary>The registered name.</summary>
    public const string StrategyName = "trimmed_mean";

    private readonly CoordinateWiseTrimmedMean _trimmedMean;

    /// <summary>Creates the trimmed mean with its options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">β is outside [0, 0.5).</exception>
    public TrimmedMeanStrategy(TrimmedMeanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _trimmedMean = new CoordinateWiseTrimmedMean(options.TrimFraction);
        Options = options;
    }

    /// <summary>The options this instance runs with.</summary>
    public TrimmedMeanOptions Options { get; }

    /// <inheritdoc />
    public override string Name => StrategyName;

    /// <summary>
    /// Writes the trimmed mean. β &lt; 0.5 always keeps at least one value per coordinate, so any
    /// non-empty round aggregates.
    /// </summary>
    public override void Aggregate(IReadOnlyList<ClientUpdate> updatesByClientId, Span<float> pseudoGradient) =>
        _trimmedMean.Aggregate(RobustUpdates.Vectors(updatesByClientId), pseudoGradient);
}
