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
    private readonly Func<TrainerContext, int> _loadMany;
    private readonly Func<TrainerContext, int> _readMany;

    public WeightCopyBenchmarks()
    {
        _loadMany = LoadMany;
        _readMany = ReadMany;
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
    public int Load() => _pool.RunAsync(_loadMany).GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = CopiesPerHop)]
    [Headline("weights_read", HeadlineUnit.Microseconds)]
    public int ReadBack() => _pool.RunAsync(_readMany).GetAwaiter().GetResult();

    private int LoadMany(TrainerContext context)
    {
        ModelReplica replica = context.Replica(_spec);
        for (int i = 0; i < CopiesPerHop; i++) replica.LoadWeights(_weights);
        return CopiesPerHop;
    }

    private int ReadMany(TrainerContext context)
    {
        ModelReplica replica = context.Replica(_spec);
        for (int i = 0; i < CopiesPerHop; i++) replica.ReadWeights(_readBack);
        return CopiesPerHop;
    }
}
