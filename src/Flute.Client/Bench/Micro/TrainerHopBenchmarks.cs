using BenchmarkDotNet.Attributes;
using Flute.Grains.Torch;

namespace Flute.Client.Bench.Micro;

/// <summary>
/// The cost of handing work to a trainer thread and getting the result back (queue, torch thread-count
/// setting, completion): paid once per training job and per evaluation slice.
/// </summary>
[BenchmarkCategory("trainer")]
public class TrainerHopBenchmarks
{
    private static readonly Func<TrainerContext, int> Nothing = static _ => 1;
    private TrainerPool _pool = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pool = new TrainerPool(new TrainerPoolOptions(Trainers: 1, ThreadsPerTrainer: 1));
        Hop();
    }

    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    [Benchmark]
    [Headline("trainer_hop", HeadlineUnit.Microseconds)]
    public int Hop() => _pool.RunAsync(Nothing).GetAwaiter().GetResult();
}
