using System.Numerics.Tensors;

namespace Flute.Core.Privacy;

/// <summary>Scales an update so its L2 norm is at most a bound (DP-FedAvg's client-side clipping: scaled, never rejected).</summary>
public static class UpdateClipping
{
    /// <summary>
    /// Multiplies <paramref name="update"/> by min(1, <paramref name="clipNorm"/> / ‖update‖₂) and returns the
    /// norm before clipping. A non-finite update is left as it is (the fold rejects it).
    /// </summary>
    public static double ClipL2(Span<float> update, double clipNorm)
    {
        if (!(clipNorm > 0)) throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "The clip norm must be > 0.");
        double sumOfSquares = 0;
        foreach (float value in update) sumOfSquares += (double)value * value;
        double norm = Math.Sqrt(sumOfSquares);
        if (norm > clipNorm && double.IsFinite(norm))
        {
            TensorPrimitives.Multiply(update, (float)(clipNorm / norm), update);
        }
        return norm;
    }
}
