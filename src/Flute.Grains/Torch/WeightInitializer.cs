using Flute.Core.Randomness;

namespace Flute.Grains.Torch;

/// <summary>
/// PyTorch's default initialisation of Linear and Conv layers, computed in managed code from a seeded
/// stream so that it never depends on torch's global generator: every weight and bias is drawn from
/// U(−1/√fan_in, 1/√fan_in), fan_in being the product of the weight's dimensions after the first
/// (in_features for Linear, in_channels·k·k for Conv). A bias uses its layer's weight fan_in.
/// </summary>
internal static class WeightInitializer
{
    public static float[] Initialize(ModelLayout layout, ulong seed)
    {
        var random = DeterministicRandom.For(seed, StreamPurpose.ModelInit);
        var weights = new float[layout.ParameterCount];
        foreach (var parameter in layout.Parameters)
        {
            double bound = 1 / Math.Sqrt(FanIn(layout, parameter));
            var values = weights.AsSpan(parameter.Offset, parameter.Count);
            for (int i = 0; i < values.Length; i++)
                values[i] = (float)((2 * random.NextDouble() - 1) * bound);
        }
        return weights;
    }

    internal static long FanIn(ModelLayout layout, ParameterInfo parameter)
    {
        if (parameter.Shape.Length >= 2) return ProductAfterFirst(parameter.Shape);
        const string biasSuffix = "bias";
        if (parameter.Name.EndsWith(biasSuffix, StringComparison.Ordinal))
        {
            string weightName = string.Concat(parameter.Name.AsSpan(0, parameter.Name.Length - biasSuffix.Length), "weight");
            foreach (var other in layout.Parameters)
                if (other.Name == weightName && other.Shape.Length >= 2) return ProductAfterFirst(other.Shape);
        }
        return Math.Max(1, parameter.Count);
    }

    private static long ProductAfterFirst(long[] shape)
    {
        long product = 1;
        for (int i = 1; i < shape.Length; i++) product *= shape[i];
        return Math.Max(1, product);
    }
}
