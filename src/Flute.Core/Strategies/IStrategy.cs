namespace Flute.Core.Strategies;

/// <summary>
/// What the server knows about one client's update when weighting it (the payload header's summary).
/// </summary>
/// <param name="SampleCount">Samples the client trained on this round.</param>
/// <param name="Loss">The client's training loss.</param>
public readonly record struct ClientUpdateInfo(int SampleCount, double Loss);

/// <summary>
/// The server side of an aggregation algorithm: how much each client's pseudo-gradient counts in the
/// round's weighted mean. The mean then goes to the server optimizer. Register implementations in
/// <see cref="StrategyRegistry"/> (docs/extending/03-strategy.md).
/// </summary>
public interface IStrategy
{
    /// <summary>The registered name (e.g. "fedavg").</summary>
    string Name { get; }

    /// <summary>
    /// True when the strategy needs every update on its own (robust aggregation such as median or
    /// Krum, or loss-normalised weights such as DGA) rather than a running weighted sum.
    /// </summary>
    bool NeedsIndividualUpdates { get; }

    /// <summary>
    /// The weight of one client's update in the round's weighted mean; must be finite and positive for
    /// the update to count (the accumulator rejects anything else).
    /// </summary>
    double ClientWeight(in ClientUpdateInfo info);
}
