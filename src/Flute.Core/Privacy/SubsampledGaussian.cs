namespace Flute.Core.Privacy;

/// <summary>
/// Rényi differential privacy (RDP) of one step of the subsampled Gaussian mechanism: a random subset of
/// the population contributes an update clipped to L2 norm C, and Gaussian noise of standard deviation
/// z·C is added to their sum. Two sampling schemes:
/// <list type="bullet">
/// <item><see cref="PoissonRdp"/>: each member is included independently with probability q; add/remove-one
/// adjacency. Mironov, Talwar and Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian
/// Mechanism", section 3.3: the binomial series for integer orders, the two erfc series for fractional ones.</item>
/// <item><see cref="FixedSizeRdp"/>: exactly m of n without replacement (what <c>server.sampling: uniform</c>
/// does); replace-one adjacency. Wang, Balle and Kasiviswanathan 2019, "Subsampled Rényi Differential
/// Privacy and Analytical Moments Accountant", Theorem 9 (integer orders only).</item>
/// </list>
/// </summary>
public static class SubsampledGaussian
{
    /// <summary>Terms below e^-30 of the running sum stop the fractional-order series (as in the paper's reference code).</summary>
    private const double SeriesCutoff = -30;

    /// <summary>The cap on fractional-order series terms; the series converges long before for q ≤ 0.5.</summary>
    private const int MaxSeriesTerms = 100_000;

    /// <summary>
    /// The RDP ε(α) of one step of the Poisson-subsampled Gaussian mechanism.
    /// </summary>
    /// <param name="q">The sampling probability, in [0, 1].</param>
    /// <param name="noiseMultiplier">z: the noise standard deviation divided by the L2 sensitivity; &gt; 0.</param>
    /// <param name="order">α &gt; 1.</param>
    public static double PoissonRdp(double q, double noiseMultiplier, double order)
    {
        Validate(q, noiseMultiplier, order);
        if (q == 0)
        {
            return 0;
        }
        if (q == 1)
        {
            return order / (2 * noiseMultiplier * noiseMultiplier);
        }
        double logA = order == Math.Floor(order)
            ? LogAInteger(q, noiseMultiplier, (int)order)
            : LogAFractional(q, noiseMultiplier, order);
        return logA / (order - 1);
    }

    /// <summary>
    /// An upper bound on the RDP ε(α) of one step of the Gaussian mechanism on a sample of exactly
    /// ⌊q·n⌋ of n drawn without replacement, under replace-one adjacency (one member's update swapped for
    /// another's, so the sum moves by up to 2C and the Gaussian's own RDP is ε_G(j) = j·2²/(2z²) = 2j/z²).
    /// Wang, Balle and Kasiviswanathan 2019, Theorem 9, with ε_G(∞) = ∞ (so every min{2, (e^ε(∞) − 1)^j} is 2).
    /// Fractional orders have no bound here: +∞ (the conversion then never picks them).
    /// </summary>
    /// <param name="q">The sampling ratio γ = m/n, in [0, 1].</param>
    /// <param name="noiseMultiplier">z: the noise standard deviation divided by the clip norm C; &gt; 0.</param>
    /// <param name="order">α ≥ 2 (integer orders only; others give +∞).</param>
    public static double FixedSizeRdp(double q, double noiseMultiplier, double order)
    {
        Validate(q, noiseMultiplier, order);
        if (order != Math.Floor(order) || order < 2)
        {
            return double.PositiveInfinity;
        }
        double Gaussian(int j) => 2.0 * j / (noiseMultiplier * noiseMultiplier);
        if (q == 0)
        {
            return 0;
        }
        if (q == 1)
        {
            return Gaussian((int)order);
        }
        int alpha = (int)order;
        double logQ = Math.Log(q);
        // Second-order term: γ² C(α,2) min{4(e^ε(2) − 1), 2 e^ε(2)}.
        double epsilon2 = Gaussian(2);
        double logMin2 = Math.Min(Math.Log(4) + Math.Log(double.ExpM1(epsilon2)), Math.Log(2) + epsilon2);
        double logSum = LogMath.Add(0, 2 * logQ + LogBinomial(alpha, 2) + logMin2);
        for (int j = 3; j <= alpha; j++)
        {
            // γ^j C(α,j) e^((j−1) ε(j)) · 2.
            double logTerm = j * logQ + LogBinomial(alpha, j) + (j - 1) * Gaussian(j) + Math.Log(2);
            logSum = LogMath.Add(logSum, logTerm);
        }
        return logSum / (alpha - 1);
    }

    /// <summary>log A_α for integer α: log Σ_{i=0..α} C(α,i) q^i (1−q)^(α−i) e^((i²−i)/(2z²)).</summary>
    internal static double LogAInteger(double q, double z, int alpha)
    {
        double logA = double.NegativeInfinity;
        double logQ = Math.Log(q);
        double log1MinusQ = double.LogP1(-q);
        for (int i = 0; i <= alpha; i++)
        {
            double logTerm = LogBinomial(alpha, i) + i * logQ + (alpha - i) * log1MinusQ + (i * (double)i - i) / (2 * z * z);
            logA = LogMath.Add(logA, logTerm);
        }
        return logA;
    }

    /// <summary>
    /// log A_α for fractional α: A_α = A₀ + A₁, two series over the generalized binomial coefficients
    /// C(α,i) (whose signs alternate once i &gt; α), each term weighted by a Gaussian tail (erfc) around
    /// z₀ = z² log(1/q − 1) + 1/2, where the two mixtures' densities cross.
    /// </summary>
    internal static double LogAFractional(double q, double z, double alpha)
    {
        double logA0 = double.NegativeInfinity;
        double logA1 = double.NegativeInfinity;
        double z0 = z * z * Math.Log(1 / q - 1) + 0.5;
        double logQ = Math.Log(q);
        double log1MinusQ = double.LogP1(-q);
        double logAbsCoefficient = 0;
        bool positive = true;
        for (int i = 0; i < MaxSeriesTerms; i++)
        {
            if (i > 0)
            {
                // C(α,i) = C(α,i−1) · (α − i + 1) / i.
                double factor = (alpha - i + 1) / i;
                logAbsCoefficient += Math.Log(Math.Abs(factor));
                positive ^= factor < 0;
            }
            double j = alpha - i;
            double logT0 = logAbsCoefficient + i * logQ + j * log1MinusQ;
            double logT1 = logAbsCoefficient + j * logQ + i * log1MinusQ;
            double logE0 = Math.Log(0.5) + LogMath.LogErfc((i - z0) / (Math.Sqrt(2) * z));
            double logE1 = Math.Log(0.5) + LogMath.LogErfc((z0 - j) / (Math.Sqrt(2) * z));
            double logS0 = logT0 + (i * (double)i - i) / (2 * z * z) + logE0;
            double logS1 = logT1 + (j * j - j) / (2 * z * z) + logE1;
            if (positive)
            {
                logA0 = LogMath.Add(logA0, logS0);
                logA1 = LogMath.Add(logA1, logS1);
            }
            else
            {
                logA0 = LogMath.Subtract(logA0, logS0);
                logA1 = LogMath.Subtract(logA1, logS1);
            }
            if (Math.Max(logS0, logS1) < SeriesCutoff)
            {
                return LogMath.Add(logA0, logA1);
            }
        }
        throw new InvalidOperationException($"The RDP series for q = {q}, z = {z}, order {alpha} did not converge in {MaxSeriesTerms} terms.");
    }

    /// <summary>log C(n, k) for integers 0 ≤ k ≤ n, as a sum of logs (exact enough for n ≤ 10⁴).</summary>
    internal static double LogBinomial(int n, int k)
    {
        k = Math.Min(k, n - k);
        double sum = 0;
        for (int i = 1; i <= k; i++)
        {
            sum += Math.Log(n - k + i) - Math.Log(i);
        }
        return sum;
    }

    private static void Validate(double q, double noiseMultiplier, double order)
    {
        if (!(q >= 0 && q <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(q), q, "The sampling probability must be in [0, 1].");
        }
        if (!(noiseMultiplier > 0) || double.IsInfinity(noiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "The noise multiplier must be a positive number.");
        }
        if (!(order > 1) || double.IsInfinity(order))
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, "An RDP order must be a number greater than 1.");
        }
    }
}
