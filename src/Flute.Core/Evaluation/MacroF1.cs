namespace Flute.Core.Evaluation;

/// <summary>
/// Macro-averaged F1: per class c, F1_c = 2·TP_c / (2·TP_c + FP_c + FN_c) from the argmax prediction
/// (<see cref="LogitRows.ArgMax"/>: ties go to the lower class index), averaged with equal weight over
/// the classes that occur among the labels or the predictions (a class that is never seen nor
/// predicted has no F1 and is left out, as scikit-learn's <c>f1_score(average='macro')</c> does with
/// its default labels). State: TP, FP, FN per class, as counts.
/// </summary>
public sealed class MacroF1 : IMetric
{
    /// <summary>The registered name.</summary>
    public const string MetricName = "macro_f1";

    /// <inheritdoc/>
    public string Name => MetricName;

    /// <inheritdoc/>
    public int StateLength(int classes) => 3 * classes;

    /// <inheritdoc/>
    public void Accumulate(ReadOnlySpan<float> logits, ReadOnlySpan<long> labels, int classes, Span<double> state)
    {
        LogitRows.Check(logits, labels, classes);
        Span<double> truePositives = state[..classes], falsePositives = state[classes..(2 * classes)], falseNegatives = state[(2 * classes)..(3 * classes)];
        for (int i = 0; i < labels.Length; i++)
        {
            int label = (int)labels[i], predicted = LogitRows.ArgMax(logits.Slice(i * classes, classes));
            if (predicted == label)
            {
                truePositives[label]++;
            }
            else
            {
                falsePositives[predicted]++;
                falseNegatives[label]++;
            }
        }
    }

    /// <inheritdoc/>
    public double Finish(ReadOnlySpan<double> state, int classes)
    {
        double sum = 0;
        int present = 0;
        for (int c = 0; c < classes; c++)
        {
            double tp = state[c], denominator = 2 * tp + state[classes + c] + state[2 * classes + c];
            if (denominator == 0) continue;
            sum += 2 * tp / denominator;
            present++;
        }
        return present > 0 ? sum / present : double.NaN;
    }
}
