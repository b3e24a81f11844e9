namespace Flute.Core.Aggregation;

/// <summary>
/// One round's counters; the loss mean is weighted by samples and summed exactly (fixed point), so it
/// is the same whichever silo folded which client and in which order.
/// </summary>
public sealed class RoundTally
{
    /// <summary>
    /// 20 fraction bits: loss × samples summed over a cohort of thousands stays far inside the range
    /// (±2^43), with a resolution of 1e-6 — plenty for a reported mean.
    /// </summary>
    public const int LossFractionBits = 20;

    private readonly FixedPointAccumulator _loss = new(1, LossFractionBits);
    public int Folded;
    public int Rejected;
    public int Retries;
    public int Activations;
    /// <summary>Of the folded clients, those whose update norm exceeded the round's clip norm (DP-FedAvg's adaptive clipping counts them).</summary>
    public int Clipped;

    public void Add(int samples, double loss)
    {
        Folded++;
        // A non-finite loss with a finite update still counts as folded; it just has no loss to report.
        Span<float> value = [(float)loss];
        _loss.TryFold(value, samples);
    }

    /// <summary>The raw loss state (for a partial aggregate): Σ loss·samples and Σ samples, in units of 2^-20.</summary>
    public (long LossSum, long LossWeight, int Count) LossState => (_loss.Sums[0], _loss.WeightSum, _loss.Count);

    /// <summary>Merges a silo's partial tally: <paramref name="folded"/> clients and their exact loss sums.</summary>
    public void Merge(int folded, long lossSum, long lossWeight, int lossCount)
    {
        Folded += folded;
        if (lossCount > 0) _loss.Add(FixedPointAccumulator.FromState([lossSum], lossWeight, lossCount, LossFractionBits));
    }

    public double MeanLoss
    {
        get
        {
            if (_loss.Count == 0) return double.NaN;
            Span<float> mean = stackalloc float[1];
            _loss.WeightedMean(mean);
            return mean[0];
        }
    }
}
