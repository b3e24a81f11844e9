namespace Flute.Core.Evaluation;

/// <summary>
/// Top-k accuracy: the share of samples whose label is among the k classes with the highest logits.
/// Ties rank the lower class index first (<see cref="LogitRows.RankOf"/>), so top-1 is exactly the
/// reported accuracy and a tie never counts a sample twice. Registered as <c>top5_accuracy</c> (k = 5);
/// with k ≥ the class count every sample counts. State: [samples in the top k, samples].
/// </summary>
public sealed class TopKAccuracy : IMetric
{
    /// <summary>The registered name of k = 5.</summary>
    public const string Top5Name = "top5_accuracy";

    /// <summary>Creates top-<paramref name="k"/> accuracy, named <c>top{k}_accuracy</c>.</summary>
    public TopKAccuracy(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        K = k;
        Name = $"top{k}_accuracy";
    }

    /// <summary>How many of the highest-ranked classes count as a hit.</summary>
    public int K { get; }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int StateLength(int classes) => 2;

    /// <inheritdoc/>
    public void Accumulate(ReadOnlySpan<float> logits, ReadOnlySpan<long> labels, int classes, Span<double> state)
    {
        LogitRows.Check(logits, labels, classes);
        long hits = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (LogitRows.RankOf(logits.Slice(i * classes, classes), (int)labels[i]) < K) hits++;
        }
        state[0] += hits;
        state[1] += labels.Length;
    }

    /// <inheritdoc/>
    public double Finish(ReadOnlySpan<double> state, int classes) => state[1] > 0 ? state[0] / state[1] : double.NaN;
}
