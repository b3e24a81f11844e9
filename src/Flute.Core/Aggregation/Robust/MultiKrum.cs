namespace Flute.Core.Aggregation.Robust;

/// <summary>
/// Multi-Krum: the mean of the m updates with the lowest Krum scores (ties go to the earlier client);
/// m = 1 is Krum, m = n the plain mean. Blanchard, El Mhamdi, Guerraoui and Stainer, "Machine Learning
/// with Adversaries: Byzantine Tolerant Gradient Descent", NeurIPS 2017 (section 5). Needs n &gt; 2f + 2
/// updates and 1 ≤ m ≤ n.
/// </summary>
public sealed class MultiKrum : IBufferedAggregator
{
    /// <summary>Creates the aggregator for f Byzantine clients, averaging the best m updates.</summary>
    /// <exception cref="ArgumentOutOfRangeException">f is negative or m is below 1.</exception>
    public MultiKrum(int byzantine, int selected)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byzantine);
        ArgumentOutOfRangeException.ThrowIfLessThan(selected, 1);
        Byzantine = byzantine;
        Selected = selected;
    }

    /// <summary>f: the number of Byzantine clients tolerated.</summary>
    public int Byzantine { get; }

    /// <summary>m: how many updates are averaged.</summary>
    public int Selected { get; }

    /// <summary>The indices (in client order) of the m selected updates, lowest score first.</summary>
    /// <exception cref="ArgumentException">The updates are invalid, n ≤ 2f + 2, or m &gt; n.</exception>
    public int[] Select(IReadOnlyList<ReadOnlyMemory<float>> updates)
    {
        BufferedUpdates.Validate(updates, updates is { Count: > 0 } ? updates[0].Length : 0, "Multi-Krum");
        KrumScoring.ValidateCount(updates.Count, Byzantine);
        if (Selected > updates.Count)
        {
            throw new ArgumentException($"Multi-Krum selects m = {Selected} updates; the round has only {updates.Count}.", nameof(updates));
        }
        return KrumScoring.Rank(KrumScoring.Scores(updates, Byzantine))[..Selected];
    }

    /// <inheritdoc />
    public void Aggregate(IReadOnlyList<ReadOnlyMemory<float>> updates, Span<float> destination)
    {
        BufferedUpdates.Validate(updates, destination.Length, "Multi-Krum");
        int[] selected = Select(updates);
        // Summing in client order, in double, makes the mean independent of how scores tied.
        Array.Sort(selected);
        var sums = new double[destination.Length];
        foreach (int index in selected)
        {
            ReadOnlySpan<float> update = updates[index].Span;
            for (int j = 0; j < sums.Length; j++)
            {
                sums[j] += update[j];
            }
        }
        for (int j = 0; j < sums.Length; j++)
        {
            destination[j] = (float)(sums[j] / selected.Length);
        }
    }
}
