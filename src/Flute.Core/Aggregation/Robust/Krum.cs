namespace Flute.Core.Aggregation.Robust;

/// <summary>
/// Krum: the update whose n − f − 2 nearest neighbours are closest (smallest sum of squared
/// distances) becomes the aggregate, unchanged; ties go to the earlier client. Blanchard, El Mhamdi,
/// Guerraoui and Stainer, "Machine Learning with Adversaries: Byzantine Tolerant Gradient Descent",
/// NeurIPS 2017. Needs n &gt; 2f + 2 updates. Time O(n²·d) for n updates of d values; memory n² doubles.
/// </summary>
public sealed class Krum : IBufferedAggregator
{
    /// <summary>Creates the aggregator for at most <paramref name="byzantine"/> (f ≥ 0) Byzantine clients.</summary>
    /// <exception cref="ArgumentOutOfRangeException">f is negative.</exception>
    public Krum(int byzantine)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byzantine);
        Byzantine = byzantine;
    }

    /// <summary>f: the number of Byzantine clients tolerated.</summary>
    public int Byzantine { get; }

    /// <summary>The index (in client order) of the update Krum selects.</summary>
    /// <exception cref="ArgumentException">The updates are invalid or n ≤ 2f + 2.</exception>
    public int Select(IReadOnlyList<ReadOnlyMemory<float>> updates)
    {
        BufferedUpdates.Validate(updates, updates is { Count: > 0 } ? updates[0].Length : 0, "Krum");
        KrumScoring.ValidateCount(updates.Count, Byzantine);
        return KrumScoring.Rank(KrumScoring.Scores(updates, Byzantine))[0];
    }

    /// <inheritdoc />
    public void Aggregate(IReadOnlyList<ReadOnlyMemory<float>> updates, Span<float> destination)
    {
        BufferedUpdates.Validate(updates, destination.Length, "Krum");
        updates[Select(updates)].Span.CopyTo(destination);
    }
}
