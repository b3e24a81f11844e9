using BenchmarkDotNet.Attributes;
using Flute.Grains.Runtime;

namespace Flute.Client.Bench.Micro;

/// <summary>A per-silo model cache hit: what every client grain after the first pays for the round's weights.</summary>
[BenchmarkCategory("cache")]
public class ModelCacheBenchmarks
{
    private const string Experiment = "bench-experiment-0001";
    private const long Version = 17;
    private readonly ModelCache _cache = new();

    [GlobalSetup]
    public void Setup()
    {
        _cache.Put(Experiment, Version - 1, SyntheticUpdate.Float32Bytes(100_000));
        _cache.Put(Experiment, Version, SyntheticUpdate.Float32Bytes(100_000));
    }

    // The grain factory is consulted only on a miss, and every call here is a hit.
    [Benchmark]
    [Headline("model_cache_hit", HeadlineUnit.Nanoseconds)]
    public Task<byte[]> Hit() => _cache.GetAsync(Experiment, Version, null!);
}
