namespace Flute.Core.Evaluation;

/// <summary>
/// How accuracy spreads over clients (per-client evaluation, server.client_eval): the number of
/// clients, their mean accuracy and the 10th, 50th and 90th percentiles — the fairness view q-FFL
/// targets. Percentiles interpolate linearly between the closest ranks (position p·(n − 1) in the
/// sorted values, numpy's default), so one client gives its own accuracy for all three.
/// </summary>
public sealed record AccuracySpread(int Clients, double Mean, double P10, double P50, double P90)
{
    /// <summary>The spread of <paramref name="accuracies"/> (any order; summed in sorted order, so the mean does not depend on it).</summary>
    /// <exception cref="ArgumentException">No values, or a value outside [0, 1].</exception>
    public static AccuracySpread Of(IReadOnlyCollection<double> accuracies)
    {
        ArgumentNullException.ThrowIfNull(accuracies);
        if (accuracies.Count == 0) throw new ArgumentException("no client accuracies to summarize", nameof(accuracies));
        double[] sorted = [.. accuracies];
        foreach (double a in sorted)
            if (!(a >= 0 && a <= 1)) throw new ArgumentException($"an accuracy must be in [0, 1], got {a}", nameof(accuracies));
        Array.Sort(sorted);
        double sum = 0;
        foreach (double a in sorted) sum += a;
        return new AccuracySpread(sorted.Length, sum / sorted.Length, Percentile(sorted, 0.1), Percentile(sorted, 0.5), Percentile(sorted, 0.9));
    }

    /// <summary>The <paramref name="p"/>-quantile of ascending <paramref name="sorted"/> values, linearly interpolated.</summary>
    public static double Percentile(ReadOnlySpan<double> sorted, double p)
    {
        if (sorted.IsEmpty) throw new ArgumentException("no values", nameof(sorted));
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "a quantile must be in [0, 1]");
        double position = p * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        double weight = position - below;
        return sorted[below] + (sorted[above] - sorted[below]) * weight;
    }
}
