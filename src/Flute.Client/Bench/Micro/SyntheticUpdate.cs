using System.Runtime.InteropServices;

namespace Flute.Client.Bench.Micro;

/// <summary>
/// Update-like float32 data for the benchmarks: small values of both signs, as pseudo-gradients are. A fixed
/// formula rather than a random stream, so every run times the same bytes and no stream purpose is spent.
/// </summary>
public static class SyntheticUpdate
{
    /// <summary><paramref name="parameters"/> float32 values in [-0.01, 0.01], as little-endian bytes.</summary>
    public static byte[] Float32Bytes(int parameters)
    {
        var bytes = new byte[checked(parameters * sizeof(float))];
        Span<float> values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
        for (int i = 0; i < values.Length; i++)
        {
            // A multiplicative hash spreads consecutive indices over the range, like noisy gradients.
            uint h = unchecked((uint)i * 2654435761u) >> 16;
            values[i] = (h % 2001 - 1000f) * 1e-5f;
        }
        return bytes;
    }
}
