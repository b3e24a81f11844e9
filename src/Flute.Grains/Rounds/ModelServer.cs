using System.Runtime.InteropServices;
using Flute.Grains.Runtime;
using Orleans.Concurrency;

namespace Flute.Grains.Rounds;

/// <summary>
/// Serves an experiment's model versions: each published version goes to this silo's model cache and
/// is kept here (the last two) for other silos' caches, which fetch it through the experiment grain.
/// Counts the bytes served, which are the model bytes that cross the wire.
/// </summary>
public sealed class ModelServer(string experimentId, ModelCache models)
{
    private readonly Dictionary<long, byte[]> _versions = [];

    /// <summary>The latest published version.</summary>
    public long Current { get; private set; }

    /// <summary>Model bytes handed to other silos so far.</summary>
    public long BytesServed { get; private set; }

    /// <summary>Publishes <paramref name="weights"/> as <paramref name="version"/>; the version two before it is dropped.</summary>
    public void Publish(long version, ReadOnlySpan<float> weights)
    {
        byte[] bytes = MemoryMarshal.AsBytes(weights).ToArray();
        _versions[version] = bytes;
        _versions.Remove(version - 2);
        Current = version;
        models.Put(experimentId, version, bytes);
    }

    /// <summary>A held version's bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The version is not held.</exception>
    public Immutable<byte[]> Get(long version)
    {
        if (!_versions.TryGetValue(version, out byte[]? weights))
            throw new ArgumentOutOfRangeException(nameof(version), $"model version {version} is not held (current {Current})");
        // This silo's model cache gets each version from Publish, so every call here is another
        // silo's cache filling: the model bytes that cross the wire.
        BytesServed += weights.Length;
        return weights.AsImmutable();
    }
}
