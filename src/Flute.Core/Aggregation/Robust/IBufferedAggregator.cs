namespace Flute.Core.Aggregation.Robust;

/// <summary>
/// Aggregates a round's buffered updates, each on its own, into one vector (robust aggregation: median,
/// trimmed mean, Krum). The buffered path holds the whole cohort, cohort × model floats, so arrival
/// order never matters: the caller passes the updates sorted by client id.
/// </summary>
public interface IBufferedAggregator
{
    /// <summary>
    /// Writes the aggregate of <paramref name="updates"/> (finite, of equal length, ordered by client id)
    /// to <paramref name="destination"/> (the same length).
    /// </summary>
    /// <exception cref="ArgumentException">The updates are empty, of unequal lengths, non-finite, or too few for the method.</exception>
    void Aggregate(IReadOnlyList<ReadOnlyMemory<float>> updates, Span<float> destination);
}
