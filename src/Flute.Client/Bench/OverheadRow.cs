namespace Flute.Client.Bench;

/// <summary>
/// One measured case. Times are medians over the repetitions (each repetition's value is kept in
/// the run lists); ratios are Flute's median over the reference's.
/// </summary>
internal sealed record OverheadRow(
    string Config,
    int Rounds,
    int ClientsPerRound,
    int Trainers,
    int ThreadsPerTrainer,
    int Parameters,
    long SgdSteps,
    double FluteSeconds,
    double BareSeconds,
    double CentralizedSeconds,
    double MaxAbsWeightDiff,
    IReadOnlyList<double> FluteRuns,
    IReadOnlyList<double> BareRuns)
{
    public double OverheadRatio => FluteSeconds / BareSeconds;

    public double CentralizedRatio => FluteSeconds / CentralizedSeconds;

    /// <summary>The middle value (mean of the two middle values for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return double.NaN;
        double[] sorted = [.. values];
        Array.Sort(sorted);
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>max |a − b| element-wise; NaN if either holds a NaN, so a broken run cannot look tiny.</summary>
    public static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"weight vectors differ in length: {a.Length} vs {b.Length}");
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = Math.Abs((double)a[i] - b[i]);
            if (double.IsNaN(d)) return double.NaN;
            if (d > max) max = d;
        }
        return max;
    }
}
