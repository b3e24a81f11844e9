using Flute.Core.Strategies;

namespace Flute.Core.Aggregation;

/// <summary>
/// One experiment's aggregation step, reused round after round: it takes each client's payload (or a
/// silo's partial sums) into the aggregator the strategy asked for — the exact fixed-point weighted sum
/// or the buffer of individual updates — and at the end of the round writes the pseudo-gradient the
/// server optimizer steps with (the strategy finishes it).
/// </summary>
public sealed class RoundAggregator
{
    private readonly FixedPointAccumulator? _sums;
    private readonly UpdateBuffer? _buffer;

    /// <summary>An aggregator for <paramref name="strategy"/> over models of <paramref name="parameters"/> parameters.</summary>
    public RoundAggregator(IStrategy strategy, int parameters)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        Strategy = strategy;
        if (strategy.Aggregator == AggregatorKind.Buffered) _buffer = new UpdateBuffer(parameters);
        else _sums = new FixedPointAccumulator(parameters);
    }

    /// <summary>The experiment's strategy.</summary>
    public IStrategy Strategy { get; }

    /// <summary>True when updates must reach the server one by one (never folded on silos).</summary>
    public bool IsBuffered => _buffer is not null;

    /// <summary>This round's counters (folded, rejected, retries, activations, the loss mean).</summary>
    public RoundTally Tally { get; private set; } = new();

    /// <summary>Updates taken this round (silo partials count their clients).</summary>
    public int Count => _buffer?.Count ?? _sums!.Count;

    /// <summary>Empties the aggregator and the tally for a new round.</summary>
    public void Reset()
    {
        _sums?.Reset();
        _buffer?.Clear();
        Tally = new RoundTally();
    }

    /// <summary>Takes one client's payload; anything but <see cref="FoldStatus.Folded"/> leaves the aggregate unchanged.</summary>
    /// <exception cref="InvalidDataException">The payload's header does not match the client, round or model version.</exception>
    public FoldStatus Take(byte[] payload, long client, int round, long modelVersion) =>
        _buffer is not null
            ? _buffer.TryAdd(payload, client, round, modelVersion, Tally)
            : UpdateFold.Fold(payload, client, round, modelVersion, Strategy, _sums!, Tally);

    /// <summary>Adds a silo's partial weighted sums (weighted-sum strategies only).</summary>
    /// <exception cref="InvalidOperationException">The strategy buffers updates.</exception>
    public void AddPartial(ReadOnlySpan<long> sums, long weightSum, int count, int fractionBits)
    {
        if (_sums is null) throw new InvalidOperationException($"strategy '{Strategy.Name}' buffers updates; silos must not fold them");
        _sums.Add(FixedPointAccumulator.FromState(sums, weightSum, count, fractionBits));
    }

    /// <summary>
    /// Writes the round's pseudo-gradient into <paramref name="pseudoGradient"/>: the weighted mean or
    /// the strategy's combination of the buffered updates (ordered by client id), then the strategy's
    /// finishing step. Returns false, writing nothing, when no update was taken.
    /// </summary>
    public bool Finish(int round, Span<float> pseudoGradient)
    {
        if (Count == 0) return false;
        if (_buffer is not null)
        {
            Strategy.Aggregate(_buffer.OrderedByClient(), pseudoGradient);
            // The updates are spent: free them now rather than at the next round's start.
            _buffer.Clear();
        }
        else
        {
            _sums!.WeightedMean(pseudoGradient);
        }
        Strategy.FinishAggregate(round, pseudoGradient);
        return true;
    }
}
