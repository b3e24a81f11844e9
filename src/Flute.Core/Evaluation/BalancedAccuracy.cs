namespace Flute.Core.Evaluation;

/// <summary>
/// Balanced accuracy: the mean over classes of the recall TP_c / (samples labelled c), counting only
/// the classes that occur among the labels (scikit-learn's <c>balanced_accuracy_score</c>). Each class
/// weighs the same however rare it is, so a model that ignores a minority class scores low even where
/// plain accuracy is high. The prediction is the argmax (<see cref="LogitRows.ArgMax"/>: ties go to
/// the lower class index). State: hits and samples per class, as counts.
/// </summary>
public sealed class BalancedAccuracy : IMetric
{
    /// <summary>The registered name.</summary>
    public const string MetricName = "balanced_accuracy";

    /// <inheritdoc/>
    public string Name => MetricName;

    /// <inheritdoc/>
    public int StateLength(int classes) => 2 * classes;

    /// <inheritdoc/>
    public void Accumulate(ReadOnlySpan<float> logits, ReadOnlySpan<long> labels, int classes, Span<double> state)
    {
        LogitRows.Check(logits, labels, classes);
        for (int i = 0; i < labels.Length; i++)
        {
            int label = (int)labels[i];
            if (LogitRows.ArgMax(logits.Slice(i * classes, classes)) == label) state[label]++;
            state[classes + label]++;
        }
    }

    /// <inheritdoc/>
    public double Finish(ReadOnlySpan<double> state, int classes)
    {
        double sum = 0;
        int present = 0;
        for (int c = 0; c < classes; c++)
        {
            double support = state[classes + c];
            if (support == 0) continue;
            sum += state[c] / support;
            present++;
        }
        return present > 0 ? sum / present : double.NaN;
    }
}
