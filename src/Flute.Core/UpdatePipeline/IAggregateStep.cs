namespace Flute.Core.UpdatePipeline;

/// <summary>
/// One step the server applies to a round's pseudo-gradient after every update has been merged —
/// after the silos' partial sums are combined, secure aggregation's masks removed and the strategy
/// has finished its aggregate — and before the server optimizer steps with it (clipping the
/// aggregate, adding noise, ...). Steps run in the order <c>server.aggregate_steps</c> lists them
/// (<see cref="ServerAggregatePipeline"/>), so a 3-silo run applies them to the same values as an
/// embedded one. A step is built once per experiment from the config and must be stateless;
/// randomness comes from <see cref="AggregateStepContext"/>'s (seed, round) under the step's own
/// stream purpose, so a round re-run after a crash draws the same.
/// </summary>
public interface IAggregateStep
{
    /// <summary>The registered name (what <c>server.aggregate_steps</c> lists).</summary>
    string Name { get; }

    /// <summary>Transforms <paramref name="pseudoGradient"/> (one value per model parameter) in place.</summary>
    void Apply(Span<float> pseudoGradient, in AggregateStepContext context);
}

/// <summary>Where a step is applied: the experiment's root seed and the round, to key random streams, and how many updates were merged.</summary>
/// <param name="Seed">experiment.seed.</param>
/// <param name="Round">The round whose aggregate this is.</param>
/// <param name="Clients">The client updates merged into it.</param>
public readonly record struct AggregateStepContext(ulong Seed, int Round, int Clients);
