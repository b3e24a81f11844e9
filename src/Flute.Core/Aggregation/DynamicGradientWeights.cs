namespace Flute.Core.Aggregation;

/// <summary>
/// Dynamic Gradient Aggregation's client weights: a softmax over −β × each client's per-sample training
/// loss, so clients the model already fits well count more. Dimitriadis, Kumatani, Gmyr, Gaur and
/// Eskimez, "Dynamic Gradient Aggregation for Federated Domain Adaptation", 2021, arXiv:2106.07578 (as
/// FLUTE implements it: core/strategies/dga.py, softmax_beta).
/// </summary>
/// <remarks>
/// A weighted mean with weights exp(−β·(ℓ_k − r)) divided by their sum is exactly that softmax for any
/// reference r, so <see cref="ClientWeight"/> runs on the exact weighted-sum path (the accumulator
/// divides by the total weight). The fixed-point accumulator resolves weights down to 2^-F (F = 36:
/// about 1.5e-11, i.e. β·(ℓ − r) up to about 24.9) and rejects smaller ones, so r should be close to
/// the cohort's losses from below: 0 suits small β·loss; otherwise a lower bound known before the round,
/// e.g. the previous round's smallest training loss. <see cref="Softmax"/> is the buffered form, which
/// shifts by the cohort's own minimum and never underflows for the best client.
/// </remarks>
public static class DynamicGradientWeights
{
    // exp(709.78) overflows double; clamping the exponent keeps every weight finite and positive.
    private const double MaxExponent = 700;

    /// <summary>
    /// exp(−β·(<paramref name="perSampleLoss"/> − <paramref name="referenceLoss"/>)), with the exponent
    /// clamped to ±700 so the weight is finite; 0 for a NaN or infinite loss (the accumulator rejects a
    /// zero weight, as FLUTE drops a client whose weight is not finite).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">β is negative or not finite, or the reference is not finite.</exception>
    public static double ClientWeight(double perSampleLoss, double beta, double referenceLoss = 0)
    {
        ValidateBeta(beta);
        if (!double.IsFinite(referenceLoss))
        {
            throw new ArgumentOutOfRangeException(nameof(referenceLoss), referenceLoss, "The reference loss must be finite.");
        }
        if (!double.IsFinite(perSampleLoss))
        {
            return 0;
        }
        if (beta == 0)
        {
            // Uniform weights by definition, also where loss − reference would overflow to infinity.
            return 1;
        }
        return Math.Exp(Math.Clamp(-beta * (perSampleLoss - referenceLoss), -MaxExponent, MaxExponent));
    }

    /// <summary>
    /// The normalised weights softmax(−β·ℓ) over a cohort's per-sample losses (in client order), computed
    /// shifted by the smallest finite loss; a NaN or infinite loss gets weight 0.
    /// </summary>
    /// <exception cref="ArgumentException">No loss is finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">β is negative or not finite.</exception>
    public static double[] Softmax(IReadOnlyList<double> perSampleLosses, double beta)
    {
        ArgumentNullException.ThrowIfNull(perSampleLosses);
        ValidateBeta(beta);
        double minimum = double.PositiveInfinity;
        foreach (double loss in perSampleLosses)
        {
            if (double.IsFinite(loss) && loss < minimum)
            {
                minimum = loss;
            }
        }
        if (double.IsPositiveInfinity(minimum))
        {
            throw new ArgumentException($"DGA needs at least one finite training loss; the cohort has {perSampleLosses.Count} and none is finite.", nameof(perSampleLosses));
        }
        var weights = new double[perSampleLosses.Count];
        double sum = 0;
        for (int k = 0; k < weights.Length; k++)
        {
            weights[k] = ClientWeight(perSampleLosses[k], beta, minimum);
            sum += weights[k];
        }
        for (int k = 0; k < weights.Length; k++)
        {
            weights[k] /= sum;
        }
        return weights;
    }

    private static void ValidateBeta(double beta)
    {
        if (!double.IsFinite(beta) || beta < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "DGA's beta must be finite and non-negative.");
        }
    }
}
