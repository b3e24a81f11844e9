namespace Flute.Grains.Torch;

/// <summary>
/// One model replica driven by the caller's own thread instead of the <see cref="TrainerPool"/>: the
/// same per-job training routine (<c>LocalSgd</c>) and the same weight initialisation, for code that
/// must run training without the grain runtime, such as the overhead benchmark's bare loop. Create,
/// use and dispose it on one thread, after setting that thread's torch thread count.
/// </summary>
public sealed class StandaloneTrainer : IDisposable
{
    private readonly ModelReplica _replica;

    private StandaloneTrainer(ModelReplica replica) => _replica = replica;

    /// <summary>Builds the model on the calling thread.</summary>
    public static StandaloneTrainer Create(ModelSpec spec)
    {
        NativeHeapTuning.Apply();
        return new(ModelReplica.Create(spec));
    }

    /// <summary>Where each parameter lives in a flat weight vector.</summary>
    public ModelLayout Layout => _replica.Layout;

    /// <summary>The experiment's initial weights for this model and seed, as the trainer pool computes them.</summary>
    public float[] InitialWeights(ulong seed) => WeightInitializer.Initialize(_replica.Layout, seed);

    /// <summary>Runs one client job exactly as a trainer-pool thread does.</summary>
    public TrainOutcome Train(TrainJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return LocalSgd.Train(_replica, job);
    }

    /// <summary>Copies the replica's current parameters out as float32 little-endian bytes.</summary>
    public void ReadWeights(Span<byte> destination) => _replica.ReadWeights(destination);

    public void Dispose() => _replica.Dispose();
}
