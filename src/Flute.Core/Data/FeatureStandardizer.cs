using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Flute.Core.Data;

/// <summary>
/// Standardizes every feature over all samples as (x − mean) / (std + epsilon), with the
/// population standard deviation — the per-pixel standardization of the FedProx non-IID MNIST
/// generator (Li et al. 2020, arXiv:1812.06127), whose epsilon is 0.001 so constant pixels map to 0.
/// It is computed over a data set's raw stored values and becomes the data set's transform
/// (<see cref="Dataset.Scale"/>, <see cref="Dataset.Shift"/>): one pass of sums, no float copy.
/// </summary>
public static class FeatureStandardizer
{
    public const double FedProxEpsilon = 0.001;

    /// <summary>
    /// <paramref name="data"/>'s raw values and labels (shared) under the standardization transform
    /// of its raw values; any transform it had is replaced.
    /// </summary>
    public static Dataset Standardize(Dataset data, string name, double epsilon = FedProxEpsilon)
    {
        var (scale, shift) = Transform(data, epsilon);
        return data.WithTransform(name, scale, shift);
    }

    /// <summary>
    /// The per-feature transform x · Scale[j] + Shift[j] that standardizes <paramref name="data"/>'s
    /// raw values: (x − mean) / d applied as x · (1/d) + (−mean/d), which <see cref="Dataset"/>
    /// evaluates as an unfused multiply and add so the bits do not depend on whether the CPU has FMA.
    /// </summary>
    public static (float[] Scale, float[] Shift) Transform(Dataset data, double epsilon = FedProxEpsilon)
    {
        int featureCount = data.FeatureCount;
        var sum = new double[featureCount];
        var sumSquares = new double[featureCount];
        if (data.Storage == DatasetStorage.Byte) SumBytes(data.RawBytes.Span, featureCount, sum, sumSquares);
        else SumFloats(data.RawFloats.Span, featureCount, sum, sumSquares);

        var scale = new float[featureCount];
        var shift = new float[featureCount];
        int rows = data.Count;
        for (int j = 0; j < featureCount && rows > 0; j++)
        {
            double mean = sum[j] / rows;
            double variance = Math.Max(0, sumSquares[j] / rows - mean * mean);
            double denominator = Math.Sqrt(variance) + epsilon;
            scale[j] = (float)(1 / denominator);
            shift[j] = (float)(-mean / denominator);
        }
        return (scale, shift);
    }

    // Integer sums are exact, so the results do not depend on summation order, and equal the
    // double sums of the same values (70,000 × 255² < 2^53). Runs once per load over tens of
    // millions of bytes: compile it optimized at once, not after tiering, and add 16 features at a
    // time into 32-bit lanes, flushed to 64-bit sums before a lane could overflow.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumBytes(ReadOnlySpan<byte> values, int featureCount, double[] sum, double[] sumSquares)
    {
        // 255² = 65,025 fits a 16-bit lane, and a 32-bit lane holds 66,052 of them.
        const int RowsPerFlush = 65_000;
        var sums = new long[featureCount];
        var squares = new long[featureCount];
        var laneSums = new uint[featureCount];
        var laneSquares = new uint[featureCount];
        int rows = values.Length / featureCount;
        int vectorEnd = Vector128.IsHardwareAccelerated ? featureCount - featureCount % Vector128<byte>.Count : 0;
        for (int first = 0; first < rows; first += RowsPerFlush)
        {
            int last = Math.Min(rows, first + RowsPerFlush);
            for (int r = first; r < last; r++)
            {
                ReadOnlySpan<byte> row = values.Slice(r * featureCount, featureCount);
                int j = 0;
                for (; j < vectorEnd; j += Vector128<byte>.Count)
                {
                    var (low, high) = Vector128.Widen(Vector128.Create(row.Slice(j, Vector128<byte>.Count)));
                    Accumulate(low, laneSums, laneSquares, j);
                    Accumulate(high, laneSums, laneSquares, j + Vector128<ushort>.Count);
                }
                for (; j < featureCount; j++)
                {
                    uint x = row[j];
                    laneSums[j] += x;
                    laneSquares[j] += x * x;
                }
            }
            for (int j = 0; j < featureCount; j++)
            {
                sums[j] += laneSums[j];
                squares[j] += laneSquares[j];
            }
            Array.Clear(laneSums);
            Array.Clear(laneSquares);
        }
        for (int j = 0; j < featureCount; j++)
        {
            sum[j] = sums[j];
            sumSquares[j] = squares[j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(Vector128<ushort> x, uint[] sums, uint[] squares, int j)
    {
        var (x0, x1) = Vector128.Widen(x);
        var (q0, q1) = Vector128.Widen(x * x);
        var n = Vector128<uint>.Count;
        (Vector128.Create(sums.AsSpan(j, n)) + x0).CopyTo(sums.AsSpan(j, n));
        (Vector128.Create(sums.AsSpan(j + n, n)) + x1).CopyTo(sums.AsSpan(j + n, n));
        (Vector128.Create(squares.AsSpan(j, n)) + q0).CopyTo(squares.AsSpan(j, n));
        (Vector128.Create(squares.AsSpan(j + n, n)) + q1).CopyTo(squares.AsSpan(j + n, n));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumFloats(ReadOnlySpan<float> values, int featureCount, double[] sum, double[] sumSquares)
    {
        for (int start = 0; start < values.Length; start += featureCount)
        {
            ReadOnlySpan<float> row = values.Slice(start, featureCount);
            for (int j = 0; j < row.Length; j++)
            {
                double x = row[j];
                sum[j] += x;
                sumSquares[j] += x * x;
            }
        }
    }
}
