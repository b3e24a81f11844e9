namespace Flute.Grains.Torch;

/// <summary>
/// What one trainer thread owns: its model replicas, one per distinct <see cref="ModelSpec"/>, created
/// lazily on that thread and reused for every job. Only its thread touches it.
/// </summary>
internal sealed class TrainerContext : IDisposable
{
    private readonly Dictionary<ModelSpec, ModelReplica> replicas = [];
    private readonly Action<ModelSpec, ModelLayout> onLayout;

    public TrainerContext(int index, Action<ModelSpec, ModelLayout> onLayout)
    {
        Index = index;
        this.onLayout = onLayout;
    }

    /// <summary>This trainer's number, 0-based.</summary>
    public int Index { get; }

    public int ReplicaCount => replicas.Count;

    public ModelReplica Replica(ModelSpec spec)
    {
        if (!replicas.TryGetValue(spec, out var replica))
        {
            replica = ModelReplica.Create(spec);
            replicas.Add(spec, replica);
            onLayout(spec, replica.Layout);
        }
        return replica;
    }

    public void Dispose()
    {
        foreach (var replica in replicas.Values) replica.Dispose();
        replicas.Clear();
    }
}
