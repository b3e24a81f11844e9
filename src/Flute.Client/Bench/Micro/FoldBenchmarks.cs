using BenchmarkDotNet.Attributes;
using Flute.Core.Aggregation;

namespace Flute.Client.Bench.Micro;

/// <summary>
/// The exact fixed-point fold of one update, read in place from float32 bytes as the experiment grain does.
/// BenchmarkDotNet runs it on one thread, so the figure is per core.
/// </summary>
[BenchmarkCategory("fold")]
public class FoldBenchmarks
{
    private byte[] _update = [];
    private FixedPointAccumulator _accumulator = null!;

    [Params(1_000_000, 100_000)]
    public int Parameters { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _update = SyntheticUpdate.Float32Bytes(Parameters);
        _accumulator = new FixedPointAccumulator(Parameters);
        // A rejected fold does twice the work; make sure the timed path is the common one.
        FoldStatus status = Fold();
        if (status != FoldStatus.Folded) throw new InvalidOperationException($"the benchmark update was not folded: {status}");
    }

    // Sums of |x| ≤ 0.01 at 2^-36 grow by under 7e8 per fold: billions of folds before any overflow.
    [Benchmark]
    [Headline("fold", HeadlineUnit.GigabytesPerSecond)]
    public FoldStatus Fold() => _accumulator.TryFold(_update.AsSpan(), 60.0);
}
