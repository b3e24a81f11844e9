namespace Flute.Core.Strategies;

/// <summary>
/// What the server knows about one client's update when weighting it (the payload header's summary).
/// </summary>
/// <param name="SampleCount">Samples the client trained on this round.</param>
/// <param name="Loss">The client's training loss.</param>
public readonly record struct ClientUpdateInfo(int SampleCount, double Loss);

/// <summary>One client's decoded update on the buffered path, handed to the strategy ordered by client id.</summary>
/// <param name="ClientId">The client.</param>
/// <param name="SampleCount">Samples the client trained on this round.</param>
/// <param name="Loss">The client's mean training loss.</param>
/// <param name="Update">The pseudo-gradient global − local (finite: non-finite updates are rejected before).</param>
public sealed record ClientUpdate(long ClientId, int SampleCount, double Loss, ReadOnlyMemory<float> Update);

/// <summary>Which aggregator a strategy needs; the round runner provides it.</summary>
public enum AggregatorKind
{
    /// <summary>
    /// The exact running weighted sum (fixed point, order-independent): memory O(model), and it also
    /// runs on silos (per-silo partial sums). The strategy supplies <see cref="IStrategy.ClientWeight"/>.
    /// </summary>
    WeightedSum,

    /// <summary>
    /// Every update kept on its own and handed to <see cref="IStrategy.Aggregate"/> ordered by client
    /// id, so arrival order never matters: memory cohort × model × 4 bytes, always on the server.
    /// </summary>
    Buffered,
}

/// <summary>
/// What a strategy asks of every client in a round, carried in the training request. The default
/// (<see cref="None"/>) is plain local training; values change the local objective or the update.
/// </summary>
/// <param name="ProximalMu">FedProx's proximal coefficient μ: the local objective gains (μ/2)·‖w − w_global‖²; 0 = none.</param>
/// <param name="ControlVariates">
/// SCAFFOLD: correct every local gradient by c − c_i (the server's control variate, published with the
/// model version, minus the client's own from the client state store) and send Δc_i after the pseudo-gradient.
/// </param>
/// <param name="ClipNorm">DP-FedAvg: scale the finished update to L2 norm ≤ this before sending; 0 = no clipping.</param>
public sealed record ClientInstructions(double ProximalMu = 0, bool ControlVariates = false, double ClipNorm = 0)
{
    /// <summary>Plain local training: what FedAvg's clients do.</summary>
    public static ClientInstructions None { get; } = new();

    /// <summary>True when these instructions change nothing on the client.</summary>
    public bool IsNone => ProximalMu == 0 && !ControlVariates && ClipNorm == 0;
}

/// <summary>
/// An aggregation algorithm, in the spirit of Flower's Strategy and pfl-research's algorithms. Built
/// once per experiment (per silo) from the config, it takes part in every round:
/// <list type="number">
/// <item><see cref="ConfigureRound"/>: what the clients do (carried in each training request);</item>
/// <item><see cref="Aggregator"/>: the exact running weighted sum (<see cref="ClientWeight"/>) or the
///   buffered updates (<see cref="Aggregate"/>);</item>
/// <item><see cref="FinishAggregate"/>: the last word on the round's pseudo-gradient before the server optimizer;</item>
/// <item><see cref="ExportState"/>/<see cref="ImportState"/>: committed with every round, restored on resume.</item>
/// </list>
/// Derive from <see cref="WeightedSumStrategy"/> or <see cref="BufferedStrategy"/>; register in
/// <see cref="StrategyRegistry"/> (docs/extending/03-strategy.md).
/// </summary>
public interface IStrategy
{
    /// <summary>The registered name (e.g. "fedavg").</summary>
    string Name { get; }

    /// <summary>Which aggregator the round runner uses for this strategy.</summary>
    AggregatorKind Aggregator { get; }

    /// <summary>What every client of round <paramref name="round"/> does (<see cref="ClientInstructions.None"/> for plain training).</summary>
    ClientInstructions ConfigureRound(int round);

    /// <summary>
    /// The weight of one client's update in the round's weighted mean (<see cref="AggregatorKind.WeightedSum"/>);
    /// must be finite and positive for the update to count (the accumulator rejects anything else).
    /// </summary>
    double ClientWeight(in ClientUpdateInfo info);

    /// <summary>
    /// Combines the round's updates (<see cref="AggregatorKind.Buffered"/>), ordered by client id and
    /// never empty, into <paramref name="pseudoGradient"/>.
    /// </summary>
    void Aggregate(IReadOnlyList<ClientUpdate> updatesByClientId, Span<float> pseudoGradient);

    /// <summary>
    /// Floats in one client update: the model's <paramref name="parameters"/> (the pseudo-gradient) for
    /// most strategies; more when clients send vectors after it (SCAFFOLD: [pseudo-gradient ‖ Δc_i],
    /// 2 × parameters). Payloads, folds, silo partials and the buffered path all carry this length.
    /// </summary>
    int UpdateLength(int parameters);

    /// <summary>
    /// The update-level hook: sees the whole aggregated update (<see cref="UpdateLength"/> floats, the
    /// aggregate of <paramref name="clients"/> client updates) before <see cref="FinishAggregate"/>, and
    /// consumes what follows the pseudo-gradient (SCAFFOLD updates its control variate c here). Only the
    /// first parameters floats go on to <see cref="FinishAggregate"/> and the server optimizer.
    /// </summary>
    void FinishUpdate(int round, int clients, Span<float> update);

    /// <summary>Adjusts the aggregated pseudo-gradient in place before the server optimizer steps with it.</summary>
    void FinishAggregate(int round, Span<float> pseudoGradient);

    /// <summary>
    /// Floats published with every model version right after the weights, read by the clients that
    /// train from that version (SCAFFOLD's server control variate c); empty for most strategies. Read
    /// when a version is published, after <see cref="FinishUpdate"/> and <see cref="ImportState"/>.
    /// </summary>
    ReadOnlyMemory<float> VersionState { get; }

    /// <summary>The strategy's state as bytes for the checkpoint, or null for a stateless strategy.</summary>
    byte[]? ExportState();

    /// <summary>Restores state written by <see cref="ExportState"/>; null resets a fresh experiment's state.</summary>
    /// <exception cref="ArgumentException">The bytes do not fit this strategy.</exception>
    void ImportState(byte[]? state);
}
