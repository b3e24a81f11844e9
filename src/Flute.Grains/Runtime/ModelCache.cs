using System.Collections.Concurrent;
using Flute.Interfaces;

namespace Flute.Grains.Runtime;

/// <summary>
/// Per-silo cache of global weights by (experiment, model version): each version crosses the wire
/// at most once per silo, however many of its clients train on it. Keeps the two newest versions
/// of each experiment.
/// </summary>
public sealed class ModelCache
{
    private const int VersionsKept = 2;
    private readonly ConcurrentDictionary<(string Experiment, long Version), Lazy<Task<byte[]>>> _entries = new();
    private long _fetches;
    private long _bytesFetched;

    /// <summary>Versions fetched from experiment grains so far.</summary>
    public long Fetches => Interlocked.Read(ref _fetches);

    /// <summary>Weight bytes fetched from experiment grains so far.</summary>
    public long BytesFetched => Interlocked.Read(ref _bytesFetched);

    /// <remarks>Called once per client per round: a cached version is returned without allocating.</remarks>
    public Task<byte[]> GetAsync(string experimentId, long version, IGrainFactory grains) =>
        _entries.TryGetValue((experimentId, version), out var cached) && cached.IsValueCreated && cached.Value.IsCompletedSuccessfully
            ? cached.Value
            : GetOrFetchAsync(experimentId, version, grains);

    private async Task<byte[]> GetOrFetchAsync(string experimentId, long version, IGrainFactory grains)
    {
        var key = (experimentId, version);
        var lazy = _entries.GetOrAdd(key, k => new Lazy<Task<byte[]>>(() => FetchAsync(k.Experiment, k.Version, grains)));
        try
        {
            return await lazy.Value;
        }
        catch
        {
            _entries.TryRemove(new KeyValuePair<(string, long), Lazy<Task<byte[]>>>(key, lazy));
            throw;
        }
    }

    /// <summary>Publishes weights the local experiment grain already holds, saving it a call to itself.</summary>
    public void Put(string experimentId, long version, byte[] weights)
    {
        _entries[(experimentId, version)] = new Lazy<Task<byte[]>>(Task.FromResult(weights));
        Evict(experimentId, version);
    }

    public void Remove(string experimentId)
    {
        foreach (var key in _entries.Keys)
            if (key.Experiment == experimentId) _entries.TryRemove(key, out _);
    }

    private async Task<byte[]> FetchAsync(string experimentId, long version, IGrainFactory grains)
    {
        var weights = await grains.GetGrain<IExperimentGrain>(experimentId).GetModelAsync(version);
        Interlocked.Increment(ref _fetches);
        Interlocked.Add(ref _bytesFetched, weights.Value.Length);
        Evict(experimentId, version);
        return weights.Value;
    }

    private void Evict(string experimentId, long newest)
    {
        foreach (var key in _entries.Keys)
            if (key.Experiment == experimentId && key.Version <= newest - VersionsKept) _entries.TryRemove(key, out _);
    }
}
