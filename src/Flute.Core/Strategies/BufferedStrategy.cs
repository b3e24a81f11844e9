namespace Flute.Core.Strategies;

/// <summary>
/// Base of strategies that need every update on its own (robust aggregation such as median or Krum):
/// the round runner buffers the decoded updates and hands them over ordered by client id, so the result
/// never depends on arrival order. Memory: cohort × parameters × 4 bytes on the server; never folded on silos.
/// A subclass supplies <see cref="Aggregate"/>.
/// </summary>
public abstract class BufferedStrategy : IStrategy
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public AggregatorKind Aggregator => AggregatorKind.Buffered;

    /// <inheritdoc />
    public abstract void Aggregate(IReadOnlyList<ClientUpdate> updatesByClientId, Span<float> pseudoGradient);

    /// <summary>Not used on the buffered path; the sample count is the weight any report shows.</summary>
    public double ClientWeight(in ClientUpdateInfo info) => info.SampleCount;

    /// <inheritdoc />
    public virtual ClientInstructions ConfigureRound(int round) => ClientInstructions.None;

    /// <inheritdoc />
    public virtual int UpdateLength(int parameters) => parameters;

    /// <inheritdoc />
    public virtual void FinishUpdate(int round, int clients, Span<float> update)
    {
    }

    /// <inheritdoc />
    public virtual ReadOnlyMemory<float> VersionState => ReadOnlyMemory<float>.Empty;

    /// <inheritdoc />
    public virtual void FinishAggregate(int round, Span<float> pseudoGradient)
    {
    }

    /// <inheritdoc />
    public virtual byte[]? ExportState() => null;

    /// <inheritdoc />
    public virtual void ImportState(byte[]? state)
    {
        if (state is not null) throw new ArgumentException($"strategy '{Name}' keeps no state, but the checkpoint holds {state.Length} bytes of it", nameof(state));
    }
}
