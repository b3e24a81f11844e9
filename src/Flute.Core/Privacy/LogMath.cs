namespace Flute.Core.Privacy;

/// <summary>
/// Arithmetic on numbers held as their natural logarithms, and the complementary error function in
/// log space. The accountant sums terms from e^-1000 to e^+1000, which only stay finite as logs.
/// </summary>
public static class LogMath
{
    /// <summary>log(e^a + e^b), exact for infinite arguments (log 0 = -∞).</summary>
    public static double Add(double logA, double logB)
    {
        double high = Math.Max(logA, logB);
        double low = Math.Min(logA, logB);
        if (double.IsNegativeInfinity(low))
        {
            return high;
        }
        return high + Math.Log(1 + Math.Exp(low - high));
    }

    /// <summary>log(e^a − e^b) for a ≥ b; -∞ when they are equal.</summary>
    /// <exception cref="ArgumentException">The difference would be negative.</exception>
    public static double Subtract(double logA, double logB)
    {
        if (double.IsNegativeInfinity(logB))
        {
            return logA;
        }
        if (logA < logB)
        {
            throw new ArgumentException($"log(e^{logA} - e^{logB}) is the log of a negative number.");
        }
        if (logA == logB)
        {
            return double.NegativeInfinity;
        }
        // log(e^a - e^b) = a + log(1 - e^(b-a)); log(-expm1(x)) keeps precision when b is close to a.
        return logA + Math.Log(-double.ExpM1(logB - logA));
    }

    /// <summary>log erfc(x) for any real x, accurate to about 1e-13 relative, without underflow for large x.</summary>
    public static double LogErfc(double x)
    {
        if (x < 0)
        {
            // erfc(-y) = 2 - erfc(y); erfc(y) ≤ 1 here, so no cancellation worth worrying about.
            return Math.Log(2 - Math.Exp(LogErfc(-x)));
        }
        if (x < 2.5)
        {
            return Math.Log(1 - Erf(x));
        }
        return -x * x + Math.Log(ErfcScaledContinuedFraction(x));
    }

    /// <summary>
    /// erf(x) for 0 ≤ x &lt; 3 by the all-positive series erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)),
    /// which has no cancellation (unlike the alternating Taylor series).
    /// </summary>
    internal static double Erf(double x)
    {
        double term = x;
        double sum = x;
        for (int n = 1; n < 200; n++)
        {
            term *= 2 * x * x / (2 * n + 1);
            sum += term;
            if (term < sum * 1e-17)
            {
                break;
            }
        }
        return 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * sum;
    }

    /// <summary>e^(x²)·erfc(x) for x ≥ 2.5 by its continued fraction 1/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated bottom-up.</summary>
    private static double ErfcScaledContinuedFraction(double x)
    {
        double tail = x;
        for (int k = 120; k >= 1; k--)
        {
            tail = x + k / 2.0 / tail;
        }
        return 1 / (Math.Sqrt(Math.PI) * tail);
    }
}
