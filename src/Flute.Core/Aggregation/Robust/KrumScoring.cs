using System.Numerics;
using System.Runtime.InteropServices;

namespace Flute.Core.Aggregation.Robust;

/// <summary>Krum's scores and the order they rank the updates in, shared by Krum and Multi-Krum.</summary>
internal static class KrumScoring
{
    /// <summary>Checks n &gt; 2f + 2, the condition under which Krum's guarantee holds and every score has a neighbour.</summary>
    public static void ValidateCount(int count, int byzantine)
    {
        if (count <= 2 * byzantine + 2)
        {
            throw new ArgumentException(
                $"Krum with f = {byzantine} Byzantine clients needs more than 2f + 2 = {2 * byzantine + 2} updates; the round has {count}.",
                "updates");
        }
    }

    /// <summary>
    /// Score of update i: the sum of its squared distances to its n − f − 2 nearest other updates.
    /// Pairwise distances are computed once per pair (n(n − 1)/2 passes over the model).
    /// </summary>
    public static double[] Scores(IReadOnlyList<ReadOnlyMemory<float>> updates, int byzantine)
    {
        int n = updates.Count;
        var squared = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> x = updates[i].Span;
            for (int j = i + 1; j < n; j++)
            {
                squared[i * n + j] = squared[j * n + i] = SquaredDistance(x, updates[j].Span);
            }
        }

        int neighbours = n - byzantine - 2;
        var scores = new double[n];
        var row = new double[n - 1];
        for (int i = 0; i < n; i++)
        {
            int k = 0;
            for (int j = 0; j < n; j++)
            {
                if (j != i)
                {
                    row[k++] = squared[i * n + j];
                }
            }
            Array.Sort(row);
            double score = 0;
            for (int j = 0; j < neighbours; j++)
            {
                score += row[j];
            }
            scores[i] = score;
        }
        return scores;
    }

    /// <summary>
    /// ‖x − y‖², accumulated in double: each difference is rounded to float once and its square is exact in
    /// double (two 24-bit mantissas), so small integer inputs give exact results and large models lose
    /// nothing to a float accumulator.
    /// </summary>
    public static double SquaredDistance(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        int i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            ReadOnlySpan<Vector<float>> xs = MemoryMarshal.Cast<float, Vector<float>>(x);
            ReadOnlySpan<Vector<float>> ys = MemoryMarshal.Cast<float, Vector<float>>(y);
            Vector<double> accumulator = Vector<double>.Zero;
            for (int v = 0; v < xs.Length; v++)
            {
                Vector.Widen(xs[v] - ys[v], out Vector<double> low, out Vector<double> high);
                accumulator += low * low + high * high;
            }
            sum = Vector.Sum(accumulator);
            i = xs.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++)
        {
            double d = x[i] - y[i];
            sum += d * d;
        }
        return sum;
    }

    /// <summary>Indices by ascending score; equal scores keep client order (the lower index first).</summary>
    public static int[] Rank(double[] scores)
    {
        int[] order = Enumerable.Range(0, scores.Length).ToArray();
        Array.Sort(order, (a, b) => scores[a] != scores[b] ? scores[a].CompareTo(scores[b]) : a.CompareTo(b));
        return order;
    }
}
