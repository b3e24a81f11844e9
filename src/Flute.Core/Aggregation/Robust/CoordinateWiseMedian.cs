namespace Flute.Core.Aggregation.Robust;

/// <summary>
/// Coordinate-wise median of the buffered updates; with an even count, the mean of the two middle
/// values. Yin, Chen, Ramchandran and Bartlett, "Byzantine-Robust Distributed Learning: Towards Optimal
/// Statistical Rates", ICML 2018, arXiv:1803.01498. Tolerates up to half the updates being arbitrary.
/// </summary>
public sealed class CoordinateWiseMedian : IBufferedAggregator
{
    /// <inheritdoc />
    public void Aggregate(IReadOnlyList<ReadOnlyMemory<float>> updates, Span<float> destination)
    {
        BufferedUpdates.Validate(updates, destination.Length, "The coordinate-wise median");
        int n = updates.Count;
        // Summing in double makes the midpoint exact before the single rounding to float.
        BufferedUpdates.ReduceSortedColumns(updates, destination, column => n % 2 == 1
            ? column[n / 2]
            : (float)(((double)column[n / 2 - 1] + column[n / 2]) / 2));
    }
}
