using BenchmarkDotNet.Attributes;
using Flute.Grains.Torch;

namespace Flute.Client.Bench.Micro;

/// <summary>
/// In-place weight load (memcpy into the parameters' storage) and read-back of a model replica, the two
/// copies a trainer makes per client. All torch work runs on one trainer thread of a private one-trainer
/// pool (DESIGN.md: a torch op on any other thread starts another OpenMP team); each timed call hands the
/// trainer <see cref="CopiesPerHop"/> copies, so the thread hop is amortized away.
/// </summary>
[BenchmarkCategory("weights")]
public class WeightCopyBenchmarks
{
    /// <summary>Copies per trainer hop.</summary>
    public const int CopiesPerHop = 64;

    private TrainerPool _pool = null!;
    private ModelSpec _spec = null!;
    private byte[] _weights = [];
    private byte[] _readBack = [];
    private readonly Delegate _loadMany;
    private readonly Delegate _readMany;

    public WeightCopyBenchmarks()
    {
        _loadMany = TrainerBridge.Work(LoadMany);
        _readMany = TrainerBridge.Work(ReadMany);
    }

    [Params("cnn-small", "logreg")]
    public string Model { get; set; } = "cnn-small";

    [GlobalSetup]
    public void Setup()
    {
        _pool = new TrainerPool(new TrainerPoolOptions(Trainers: 1, ThreadsPerTrainer: 1));
        _spec = new ModelSpec(Model, [1, 28, 28], ClassCount: 10);
        ModelLayout layout = _pool.DescribeAsync(_spec).GetAwaiter().GetResult();
        _weights = SyntheticUpdate.Float32Bytes(layout.ParameterCount);
        _readBack = new byte[layout.ByteCount];
        Load();
        ReadBack();
        if (!_readBack.AsSpan().SequenceEqual(_weights)) throw new InvalidOperationException("read-back differs from the loaded weights");
    }

    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    [Benchmark(OperationsPerInvoke = CopiesPerHop)]
    [Headline("weights_load", HeadlineUnit.Microseconds)]
    public int Load() => TrainerBridge.RunAsync(_pool, _loadMany).GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = CopiesPerHop)]
    [Headline("weights_read", HeadlineUnit.Microseconds)]
    public int ReadBack() => TrainerBridge.RunAsync(_pool, _readMany).GetAwaiter().GetResult();

    private int LoadMany(object context)
    {
        object replica = TrainerBridge.Replica(context, _spec);
        for (int i = 0; i < CopiesPerHop; i++) TrainerBridge.LoadWeights(replica, _weights);
        return CopiesPerHop;
    }

    private int ReadMany(object context)
    {
        object replica = TrainerBridge.Replica(context, _spec);
        for (int i = 0; i < CopiesPerHop; i++) TrainerBridge.ReadWeights(replica, _readBack);
        return CopiesPerHop;
    }
}
