namespace Flute.Core.Strategies;

/// <summary>
/// Base of strategies whose aggregate is a weighted mean of the updates: the exact fixed-point running
/// sum, which also runs on silos. A subclass supplies <see cref="ClientWeight"/> and overrides what it
/// changes (client instructions, the finishing step, state).
/// </summary>
public abstract class WeightedSumStrategy : IStrategy
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public AggregatorKind Aggregator => AggregatorKind.WeightedSum;

    /// <inheritdoc />
    public abstract double ClientWeight(in ClientUpdateInfo info);

    /// <inheritdoc />
    public virtual ClientInstructions ConfigureRound(int round) => ClientInstructions.None;

    /// <inheritdoc />
    public void Aggregate(IReadOnlyList<ClientUpdate> updatesByClientId, Span<float> pseudoGradient) =>
        throw new InvalidOperationException($"strategy '{Name}' aggregates a running weighted sum, not buffered updates");

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
