using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Flute.Core.Persistence;

/// <summary>The model hash Flute reports and stores (<c>model_sha256</c>): SHA-256 of the weights as little-endian float32, lowercase hex.</summary>
public static class WeightsHash
{
    public static string Of(ReadOnlySpan<float> weights) =>
        Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(weights)));
}
