namespace Flute.Core.Evaluation;

/// <summary>
/// Helpers metrics share for reading a batch of logits: the shape check and the predicted class. A
/// prediction is the <b>first</b> maximum (the lowest class index among equal logits, and the first
/// NaN if any, which compares above every number), as <c>torch.argmax</c> picks on the CPU, so the
/// metrics agree with the reported accuracy.
/// </summary>
public static class LogitRows
{
    /// <summary>Checks that <paramref name="logits"/> holds one row of <paramref name="classes"/> values per label and that every label is a class.</summary>
    /// <exception cref="ArgumentException">The lengths do not match, or a label is outside [0, classes).</exception>
    public static void Check(ReadOnlySpan<float> logits, ReadOnlySpan<long> labels, int classes)
    {
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, "a model has at least one class");
        if (logits.Length != (long)labels.Length * classes)
            throw new ArgumentException($"{logits.Length} logits are not {labels.Length} rows of {classes} classes", nameof(logits));
        foreach (long label in labels)
        {
            if ((ulong)label >= (ulong)classes) throw new ArgumentException($"label {label} is not a class in [0, {classes})", nameof(labels));
        }
    }

    /// <summary>The predicted class of one row: the first maximum.</summary>
    public static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++)
        {
            if (Above(row[c], row[best])) best = c;
        }
        return best;
    }

    /// <summary>
    /// Where class <paramref name="label"/> ranks in <paramref name="row"/> (0 = top): the classes with a
    /// higher logit, plus the ones with an equal logit and a lower index — the same tie rule as <see cref="ArgMax"/>.
    /// </summary>
    public static int RankOf(ReadOnlySpan<float> row, int label)
    {
        float value = row[label];
        int rank = 0;
        for (int c = 0; c < row.Length; c++)
        {
            if (Above(row[c], value) || (c < label && !Above(value, row[c]))) rank++;
        }
        return rank;
    }

    // NaN ranks above every number (torch.argmax's order); two NaNs are equal.
    private static bool Above(float a, float b) => float.IsNaN(a) ? !float.IsNaN(b) : a > b;
}
