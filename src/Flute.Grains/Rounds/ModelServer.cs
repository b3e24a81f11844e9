using System.Runtime.InteropServices;
using Flute.Grains.Runtime;
using Orleans.Concurrency;

namespace Flute.Grains.Rounds;

/// <summary>
/// Serves an experiment's model versions: each published version goes to this silo's model cache and
/// is kept here (the last two) for other silos' caches, which fetch it through the experiment grain.
/// Counts the bytes served, which are the model bytes that cross the wire. A version is the weights
/// followed by the strategy's version state (IStrategy.VersionState: SCAFFOLD's c), so clients read the
/// state of the very version they train from; readers split it at the model's byte count.
/// </summary>
public sealed class ModelServer(string experimentId, ModelCache models)
{
    private readonly Dictionary<long, byte[]> _versions = [];

    /// <summary>The latest published version.</summary>
    public long Current { get; private set; }

    /// <summary>Model bytes handed to other silos so far.</summary>
    public long BytesServed { get; private set; }

    /// <summary>
    /// Publishes [<paramref name="weights"/> ‖ <paramref name="versionState"/>] as <paramref name="version"/>;
    /// the version two before it is dropped.
    /// </summary>
    public void Publish(long version, ReadOnlySpan<float> weights, ReadOnlySpan<float> versionState = default)
    {
        byte[] bytes = new byte[checked((weights.Length + versionState.Length) * sizeof(float))];
        MemoryMarshal.AsBytes(weights).CopyTo(bytes);
        MemoryMarshal.AsBytes(versionState).CopyTo(bytes.AsSpan(weights.Length * sizeof(float)));
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
