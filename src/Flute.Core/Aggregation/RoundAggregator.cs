using Flute.Core.Strategies;
using Flute.Core.UpdatePipeline;

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
    private readonly float[]? _update;
    private readonly HashSet<long> _maskedClients = [];
    private PairwiseMasks? _masks;
    private readonly ServerAggregatePipeline _steps;
    private readonly ulong _seed;

    /// <summary>An aggregator for <paramref name="strategy"/> over models of <paramref name="parameters"/> parameters.</summary>
    /// <exception cref="ArgumentException">The strategy's update is shorter than the model.</exception>
    public RoundAggregator(IStrategy strategy, int parameters) : this(strategy, parameters, new ServerAggregatePipeline([]), 0)
    {
    }

    /// <summary>
    /// An aggregator that finishes every round with <paramref name="steps"/> (server.aggregate_steps),
    /// keyed by the experiment's root <paramref name="seed"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The strategy's update is shorter than the model.</exception>
    public RoundAggregator(IStrategy strategy, int parameters, ServerAggregatePipeline steps, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(steps);
        _steps = steps;
        _seed = seed;
        ArgumentNullException.ThrowIfNull(strategy);
        Strategy = strategy;
        Parameters = parameters;
        UpdateLength = strategy.UpdateLength(parameters);
        if (UpdateLength < parameters)
            throw new ArgumentException($"strategy '{strategy.Name}' declares updates of {UpdateLength} floats, fewer than the model's {parameters} parameters", nameof(strategy));
        // Only a strategy whose updates carry more than the pseudo-gradient needs room for the whole
        // aggregate; the others finish straight in the caller's buffer, as they always did.
        if (UpdateLength != parameters) _update = new float[UpdateLength];
        if (strategy.Aggregator == AggregatorKind.Buffered) _buffer = new UpdateBuffer(UpdateLength);
        else _sums = new FixedPointAccumulator(UpdateLength);
    }

    /// <summary>The experiment's strategy.</summary>
    public IStrategy Strategy { get; }

    /// <summary>The model's parameter count: the length of the pseudo-gradient <see cref="Finish"/> writes.</summary>
    public int Parameters { get; }

    /// <summary>Floats per client update (<see cref="IStrategy.UpdateLength"/>): what payloads and partial sums carry.</summary>
    public int UpdateLength { get; }

    /// <summary>True when updates must reach the server one by one (never folded on silos).</summary>
    public bool IsBuffered => _buffer is not null;

    /// <summary>This round's counters (folded, rejected, retries, activations, the loss mean).</summary>
    public RoundTally Tally { get; private set; } = new();

    /// <summary>Updates taken this round (silo partials count their clients).</summary>
    public int Count => _buffer?.Count ?? _sums!.Count;

    /// <summary>Cohort pairs whose leftover masks <see cref="Finish"/> removed this round (secure aggregation); 0 otherwise.</summary>
    public int LeftoverMaskPairs { get; private set; }

    /// <summary>
    /// Empties the aggregator and the tally for a new round. With <paramref name="masks"/> the round is
    /// securely aggregated: clients send masked fixed-point updates, silos' partials are merged modulo
    /// 2^64, and <see cref="Finish"/> removes the masks of cohort members that sent nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">Masks were given, but the strategy buffers updates.</exception>
    public void Reset(PairwiseMasks? masks = null)
    {
        if (masks is not null && _sums is null)
            throw new InvalidOperationException($"strategy '{Strategy.Name}' buffers individual updates, which secure aggregation hides");
        _sums?.Reset();
        _buffer?.Clear();
        Tally = new RoundTally();
        _masks = masks;
        _maskedClients.Clear();
        LeftoverMaskPairs = 0;
    }

    /// <summary>Takes one client's payload; anything but <see cref="FoldStatus.Folded"/> leaves the aggregate unchanged.</summary>
    /// <exception cref="InvalidDataException">The payload's header does not match the client, round or model version.</exception>
    public FoldStatus Take(byte[] payload, long client, int round, long modelVersion)
    {
        if (_buffer is not null) return _buffer.TryAdd(payload, client, round, modelVersion, Tally);
        FoldStatus status = UpdateFold.Fold(payload, client, round, modelVersion, Strategy, _sums!, Tally);
        if (_masks is not null && status == FoldStatus.Folded) _maskedClients.Add(client);
        return status;
    }

    /// <summary>
    /// Adds a silo's partial weighted sums (weighted-sum strategies only). A securely aggregated round
    /// needs the partial's <paramref name="clients"/>: their masks are the ones that cancel.
    /// </summary>
    /// <exception cref="InvalidOperationException">The strategy buffers updates, or a masked partial came without its clients.</exception>
    public void AddPartial(ReadOnlySpan<long> sums, long weightSum, int count, int fractionBits, IReadOnlyCollection<long>? clients = null)
    {
        if (_sums is null) throw new InvalidOperationException($"strategy '{Strategy.Name}' buffers updates; silos must not fold them");
        var partial = FixedPointAccumulator.FromState(sums, weightSum, count, fractionBits);
        if (_masks is null)
        {
            _sums.Add(partial);
            return;
        }
        if (clients is null || clients.Count != count)
            throw new InvalidOperationException($"a masked partial of {count} updates must name its {count} clients");
        _sums.AddWrapping(partial);
        _maskedClients.UnionWith(clients);
    }

    /// <summary>
    /// Writes the round's pseudo-gradient into <paramref name="pseudoGradient"/>: the weighted mean or
    /// the strategy's combination of the buffered updates (ordered by client id), then the strategy's
    /// update-level hook (<see cref="IStrategy.FinishUpdate"/>, over the whole update), its finishing
    /// step, then the server's aggregate steps (server.aggregate_steps) in order. Returns false, writing nothing, when no update was taken.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="pseudoGradient"/> is not <see cref="Parameters"/> long.</exception>
    public bool Finish(int round, Span<float> pseudoGradient)
    {
        if (pseudoGradient.Length != Parameters)
            throw new ArgumentException($"the pseudo-gradient has {pseudoGradient.Length} values; the model has {Parameters}", nameof(pseudoGradient));
        if (Count == 0) return false;
        Span<float> update = _update ?? pseudoGradient;
        if (_buffer is not null)
        {
            Strategy.Aggregate(_buffer.OrderedByClient(), update);
            // The updates are spent: free them now rather than at the next round's start.
            _buffer.Clear();
        }
        else
        {
            if (_masks is not null) LeftoverMaskPairs = _sums!.RemoveLeftoverMasks(_masks, _maskedClients);
            _sums!.WeightedMean(update);
        }
        Strategy.FinishUpdate(round, Count, update);
        if (_update is not null) update[..Parameters].CopyTo(pseudoGradient);
        Strategy.FinishAggregate(round, pseudoGradient);
        _steps.Apply(pseudoGradient, new AggregateStepContext(_seed, round, Count));
        return true;
    }
}
