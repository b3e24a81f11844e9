namespace Flute.Grains.Torch;

/// <summary>
/// Where each parameter lives in a flat weight vector: parameters in <c>named_parameters()</c> order,
/// each a contiguous run of float32 values. Weights on the wire are these values as little-endian bytes.
/// </summary>
public sealed record ModelLayout(IReadOnlyList<ParameterInfo> Parameters, int ParameterCount)
{
    /// <summary>Length in bytes of a weight or pseudo-gradient buffer: 4 × <see cref="ParameterCount"/>.</summary>
    public int ByteCount => checked(ParameterCount * sizeof(float));
}

/// <summary>One parameter of a <see cref="ModelLayout"/>: its offset and element count in float32 elements (not bytes).</summary>
public sealed record ParameterInfo(string Name, long[] Shape, int Offset, int Count);
