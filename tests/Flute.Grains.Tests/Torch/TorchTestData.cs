using System.Runtime.InteropServices;
using Flute.Core.Data;
using Flute.Core.Randomness;
using Flute.Grains.Torch;

namespace Flute.Grains.Tests.Torch;

/// <summary>Small synthetic data sets and weight helpers for the trainer tests.</summary>
internal static class TorchTestData
{
    public static byte[] Bytes(float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static float[] Floats(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();

    /// <summary>
    /// Two well-separated 2-D clusters: class 0 around (−2, −1), class 1 around (2, 1), alternating, with
    /// offsets in [−0.5, 0.5], so a line through the origin separates them.
    /// </summary>
    public static Dataset Separable(int count, ulong seed = 1)
    {
        var random = new DeterministicRandom(seed);
        var features = new float[count * 2];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = i % 2;
            float sign = label == 0 ? -1 : 1;
            features[2 * i] = sign * 2 + (float)(random.NextDouble() - 0.5);
            features[2 * i + 1] = sign * 1 + (float)(random.NextDouble() - 0.5);
            labels[i] = label;
        }
        return new Dataset("separable", features, labels, [2], 2);
    }

    /// <summary>Random images in [0, 1) with random labels: enough to exercise every layer.</summary>
    public static Dataset RandomImages(int count, int[] sampleShape, int classes, ulong seed = 7)
    {
        var random = new DeterministicRandom(seed);
        int featureCount = 1;
        foreach (int d in sampleShape) featureCount *= d;
        var features = new float[count * featureCount];
        for (int i = 0; i < features.Length; i++) features[i] = (float)random.NextDouble();
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = random.NextInt32(classes);
        return new Dataset("random", features, labels, sampleShape, classes);
    }

    public static int[] Range(int count)
    {
        var indices = new int[count];
        for (int i = 0; i < count; i++) indices[i] = i;
        return indices;
    }

    public static async Task<byte[]> InitialBytesAsync(TrainerPool pool, ModelSpec spec, ulong seed = 42) =>
        Bytes(await pool.InitialWeightsAsync(spec, seed));

    public static TrainJob Job(ModelSpec spec, byte[] weights, Dataset data, int[] indices, TrainSettings settings, ulong orderKey = 99) =>
        new(spec, weights, data, indices, settings, orderKey, new byte[weights.Length]);

    /// <summary>The local weights a pseudo-gradient implies: global − pseudo-gradient.</summary>
    public static byte[] ApplyPseudoGradient(byte[] global, ReadOnlyMemory<byte> pseudoGradient)
    {
        var g = Floats(global);
        var d = MemoryMarshal.Cast<byte, float>(pseudoGradient.Span);
        for (int i = 0; i < g.Length; i++) g[i] -= d[i];
        return Bytes(g);
    }
}
