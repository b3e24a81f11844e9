using Flute.Core.Aggregation.Robust;

namespace Flute.Core.Strategies;

/// <summary>
/// Coordinate-wise median of the round's updates (with an even count, the mean of the two middle
/// values), unweighted: it tolerates up to half the cohort sending arbitrary updates. Yin, Chen,
/// Ramchandran and Bartlett, "Byzantine-Robust Distributed Learning: Towards Optimal Statistical
/// Rates", ICML 2018, arXiv:1803.01498. Buffered: memory cohort × parameters × 4 bytes on the server.
/// </summary>
public sealed class MedianStrategy : BufferedStrategy
{
    /// <summary>The registered name.</summary>
    public const string StrategyName = "median";

    private readonly CoordinateWiseMedian _median = new();

    /// <inheritdoc />
    public override string Name => StrategyName;

    /// <inheritdoc />
    public override void Aggregate(IReadOnlyList<ClientUpdate> updatesByClientId, Span<float> pseudoGradient) =>
        _median.Aggregate(RobustUpdates.Vectors(updatesByClientId), pseudoGradient);
}
