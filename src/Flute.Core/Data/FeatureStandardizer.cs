using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Flute.Core.Data;

/// <summary>
/// Standardizes every feature over all samples as (x − mean) / (std + epsilon), with the
/// population standard deviation — the per-pixel standardization of the FedProx non-IID MNIST
/// generator (Li et al. 2020, arXiv:1812.06127), whose epsilon is 0.001 so constant pixels map to 0.
/// </summary>
public static class FeatureStandardizer
{
    public const double FedProxEpsilon = 0.001;

    /// <summary>Standardizes <paramref name="features"/> (rows × <paramref name="featureCount"/>) in place.</summary>
    // Runs once per load over tens of millions of values: compile it optimized at once, not after tiering.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void StandardizeInPlace(Span<float> features, int featureCount, double epsilon = FedProxEpsilon)
    {
        if (featureCount <= 0) throw new ArgumentOutOfRangeException(nameof(featureCount));
        if (features.Length % featureCount != 0)
            throw new ArgumentException($"{features.Length} values are not whole rows of {featureCount}", nameof(features));
        int rows = features.Length / featureCount;
        if (rows == 0) return;

        // Sums in double: exact for integer pixel values (70,000 × 255² < 2^53), so results do not
        // depend on summation order.
        var sum = new double[featureCount];
        var sumSquares = new double[featureCount];
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = features.Slice(r * featureCount, featureCount);
            for (int j = 0; j < featureCount; j++)
            {
                double x = row[j];
                sum[j] += x;
                sumSquares[j] += x * x;
            }
        }
        // (x − mean) / d is applied as x · (1/d) + (−mean/d), an unfused multiply and add so the
        // bits do not depend on whether the CPU has FMA.
        var scale = new float[featureCount];
        var shift = new float[featureCount];
        for (int j = 0; j < featureCount; j++)
        {
            double mean = sum[j] / rows;
            double variance = Math.Max(0, sumSquares[j] / rows - mean * mean);
            double denominator = Math.Sqrt(variance) + epsilon;
            scale[j] = (float)(1 / denominator);
            shift[j] = (float)(-mean / denominator);
        }
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = features.Slice(r * featureCount, featureCount);
            TensorPrimitives.MultiplyAdd(row, scale, shift, row);
        }
    }
}
