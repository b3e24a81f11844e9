namespace Flute.Core.Aggregation;

/// <summary>
/// One client's contribution to q-FedAvg's step: the numerator weight F^q·L applied to its pseudo-gradient
/// and its share h of the denominator.
/// </summary>
/// <param name="Weight">L·F_k^q: Δ_k = Weight · g_k, with g_k the pseudo-gradient global − local.</param>
/// <param name="H">h_k = q·F_k^(q−1)·‖Δw_k‖² + L·F_k^q, with Δw_k = L·g_k.</param>
public readonly record struct QFairClientTerms(double Weight, double H);

/// <summary>
/// q-FedAvg's server step (q-FFL): w ← w − Σ_k Δ_k / Σ_k h_k with Δw_k = L·(w − w_k), Δ_k = F_k^q·Δw_k and
/// h_k = q·F_k^(q−1)·‖Δw_k‖² + L·F_k^q, where F_k is client k's loss, q ≥ 0 the fairness exponent (q = 0
/// is the plain mean of the pseudo-gradients) and L the Lipschitz estimate, 1 / client learning rate. Li,
/// Sanjabi, Beirami and Smith, "Fair Resource Allocation in Federated Learning", ICLR 2020,
/// arXiv:1905.10497 (Algorithm 3).
/// </summary>
/// <remarks>
/// Apply the result with server SGD at learning rate 1 (w ← w − aggregate). The paper's F_k is the
/// global model's loss on client k's data before local training; a client's mean training loss is the
/// usual cheap stand-in. On the exact weighted-sum path a wrapper can fold g_k with
/// <see cref="QFairClientTerms.Weight"/> and must then sum <see cref="QFairClientTerms.H"/> exactly
/// (e.g. in fixed point) rather than <see cref="FixedPointAccumulator.TotalWeight"/>, which sums the
/// numerator weights.
/// </remarks>
public static class QFairAggregation
{
    /// <summary>Client k's numerator weight and denominator term from its loss and pseudo-gradient g_k.</summary>
    /// <exception cref="ArgumentOutOfRangeException">q, L or the loss is out of range, or h is not finite (a zero loss with 0 &lt; q &lt; 1).</exception>
    public static QFairClientTerms ClientTerms(double loss, ReadOnlySpan<float> pseudoGradient, double q, double lipschitz)
    {
        ValidateParameters(q, lipschitz);
        if (!double.IsFinite(loss) || loss < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(loss), loss, "q-FFL needs a finite, non-negative client loss.");
        }
        double squaredNorm = 0;
        foreach (float value in pseudoGradient)
        {
            squaredNorm += (double)value * value;
        }
        // ‖Δw‖² = L²·‖g‖²; at q = 0 the first term is 0 by definition, not 0 · F^(−1).
        double fq = Math.Pow(loss, q);
        double gradientTerm = q == 0 ? 0 : q * Math.Pow(loss, q - 1) * lipschitz * lipschitz * squaredNorm;
        double h = gradientTerm + lipschitz * fq;
        if (!double.IsFinite(h) || h <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(loss), loss, $"q-FFL's h = {h} for loss {loss} and q {q} is not finite and positive.");
        }
        return new QFairClientTerms(lipschitz * fq, h);
    }

    /// <summary>
    /// Writes Σ_k Δ_k / Σ_k h_k to <paramref name="destination"/>, from the clients' pseudo-gradients
    /// (global − local) and losses, both in client-id order; sums run in that order, in double.
    /// </summary>
    /// <exception cref="ArgumentException">The lists are empty, differ in length, or a vector's length differs from the destination's.</exception>
    /// <exception cref="ArgumentOutOfRangeException">q, L or a loss is out of range.</exception>
    public static void Aggregate(
        IReadOnlyList<ReadOnlyMemory<float>> pseudoGradients, IReadOnlyList<double> losses, double q, double lipschitz, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(pseudoGradients);
        ArgumentNullException.ThrowIfNull(losses);
        if (pseudoGradients.Count == 0 || pseudoGradients.Count != losses.Count)
        {
            throw new ArgumentException(
                $"q-FFL needs one loss per update and at least one update; it got {pseudoGradients.Count} updates and {losses.Count} losses.", nameof(losses));
        }
        var numerator = new double[destination.Length];
        double denominator = 0;
        for (int k = 0; k < pseudoGradients.Count; k++)
        {
            ReadOnlySpan<float> g = pseudoGradients[k].Span;
            if (g.Length != destination.Length)
            {
                throw new ArgumentException($"q-FFL: update {k} has {g.Length} values; the destination has {destination.Length}.", nameof(pseudoGradients));
            }
            QFairClientTerms terms = ClientTerms(losses[k], g, q, lipschitz);
            for (int j = 0; j < numerator.Length; j++)
            {
                numerator[j] += terms.Weight * g[j];
            }
            denominator += terms.H;
        }
        for (int j = 0; j < numerator.Length; j++)
        {
            destination[j] = (float)(numerator[j] / denominator);
        }
    }

    private static void ValidateParameters(double q, double lipschitz)
    {
        if (!double.IsFinite(q) || q < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(q), q, "q must be finite and non-negative.");
        }
        if (!double.IsFinite(lipschitz) || lipschitz <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(lipschitz), lipschitz, "L (1 / client learning rate) must be finite and positive.");
        }
    }
}
