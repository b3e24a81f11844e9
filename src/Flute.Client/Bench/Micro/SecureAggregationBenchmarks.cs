using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Flute.Core.Aggregation;

namespace Flute.Client.Bench.Micro;

/// <summary>
/// Secure aggregation's extra work (server.secure_aggregation on): a client converts and masks its update
/// with its K − 1 pairwise streams, once per round; the fold adds masked integers modulo 2^64 per client.
/// Masking grows with the cohort (K − 1 streams of d values per client); the fold does not.
/// </summary>
[BenchmarkCategory("secagg")]
public class SecureAggregationBenchmarks
{
    private float[] _update = [];
    private byte[] _masked = [];
    private PairwiseMasks _masks = new(1, 1, [0]);
    private FixedPointAccumulator _sums = new(0);

    [Params(100_000)]
    public int Parameters { get; set; }

    [Params(10, 100)]
    public int Cohort { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _update = MemoryMarshal.Cast<byte, float>(SyntheticUpdate.Float32Bytes(Parameters)).ToArray();
        _masked = new byte[Parameters * sizeof(long)];
        _masks = new PairwiseMasks(1, 1, [.. Enumerable.Range(0, Cohort).Select(i => (long)i)]);
        _sums = new FixedPointAccumulator(Parameters);
        Mask();
    }

    [Benchmark]
    [Headline("secagg_mask", HeadlineUnit.Microseconds)]
    public byte Mask()
    {
        _masks.TryWriteMasked(_update, 100, _masked, 0);
        return _masked[0];
    }

    [Benchmark]
    [Headline("secagg_fold", HeadlineUnit.GigabytesPerSecond)]
    public long FoldMasked()
    {
        _sums.TryFoldMasked(MemoryMarshal.Cast<byte, long>(_masked), 100);
        return _sums.Sums[0];
    }
}
