namespace Flute.Core.Aggregation.Robust;

/// <summary>
/// Coordinate-wise trimmed mean: per coordinate, drop the ⌊β·n⌋ largest and ⌊β·n⌋ smallest values and
/// average the rest. Yin, Chen, Ramchandran and Bartlett, "Byzantine-Robust Distributed Learning:
/// Towards Optimal Statistical Rates", ICML 2018, arXiv:1803.01498.
/// </summary>
public sealed class CoordinateWiseTrimmedMean : IBufferedAggregator
{
    // β·n is computed in binary floating point: 0.29 · 100 = 28.999999999999996. The slack makes
    // decimal fractions trim what they say without changing any count a real β can mean.
    private const double FloorSlack = 1e-9;

    /// <summary>Creates the aggregator; <paramref name="trimFraction"/> β is in [0, 0.5).</summary>
    /// <exception cref="ArgumentOutOfRangeException">β is outside [0, 0.5).</exception>
    public CoordinateWiseTrimmedMean(double trimFraction)
    {
        if (!(trimFraction >= 0 && trimFraction < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(trimFraction), trimFraction, "The trim fraction must be in [0, 0.5).");
        }
        TrimFraction = trimFraction;
    }

    /// <summary>β: the fraction trimmed from each end.</summary>
    public double TrimFraction { get; }

    /// <summary>How many values are dropped from each end of a coordinate among <paramref name="count"/> updates: ⌊β·n⌋.</summary>
    public int TrimCount(int count) => (int)Math.Floor(TrimFraction * count + FloorSlack);

    /// <inheritdoc />
    public void Aggregate(IReadOnlyList<ReadOnlyMemory<float>> updates, Span<float> destination)
    {
        BufferedUpdates.Validate(updates, destination.Length, "The trimmed mean");
        int n = updates.Count;
        int trim = TrimCount(n);
        int kept = n - 2 * trim;
        if (kept <= 0)
        {
            throw new ArgumentException($"The trimmed mean with trim fraction {TrimFraction} drops {trim} from each end of {n} updates and keeps none.", nameof(updates));
        }
        BufferedUpdates.ReduceSortedColumns(updates, destination, column =>
        {
            double sum = 0;
            foreach (float value in column.Slice(trim, kept))
            {
                sum += value;
            }
            return (float)(sum / kept);
        });
    }
}
