using Flute.Core.Aggregation.Robust;

namespace Flute.Core.Strategies;

/// <summary>
/// Krum: the update whose n − f − 2 nearest neighbours are closest (smallest sum of squared distances)
/// becomes the round's pseudo-gradient, unchanged (f = server.byzantine_clients; ties go to the lower
/// client id). Blanchard, El Mhamdi, Guerraoui and Stainer, "Machine Learning with Adversaries:
/// Byzantine Tolerant Gradient Descent", NeurIPS 2017. Needs more than 2f + 2 updates per round: the
/// config is checked against server.clients_per_round, and a round that receives too few (clients
/// without samples, rejected updates) fails with a message saying what to change, since Krum's
/// guarantee does not hold for it. Buffered: memory cohort × parameters × 4 bytes on the server, plus
/// n² doubles of pairwise distances; time O(n²·parameters).
/// </summary>
public sealed class KrumStrategy : BufferedStrategy
{
    /// <summary>The registered name.</summary>
    public const string StrategyName = "krum";

    private readonly Krum _krum;

    /// <summary>Creates Krum with its options (<see cref="KrumOptions.Selected"/> is not used).</summary>
    /// <exception cref="ArgumentOutOfRangeException">f is negative.</exception>
    public KrumStrategy(KrumOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _krum = new Krum(options.ByzantineClients);
        Options = options;
    }

    /// <summary>The options this instance runs with.</summary>
    public KrumOptions Options { get; }

    /// <inheritdoc />
    public override string Name => StrategyName;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The round has n ≤ 2f + 2 updates.</exception>
    public override void Aggregate(IReadOnlyList<ClientUpdate> updatesByClientId, Span<float> pseudoGradient)
    {
        ArgumentNullException.ThrowIfNull(updatesByClientId);
        if (Options.TooFewUpdates(Name, updatesByClientId.Count) is { } message) throw new InvalidOperationException(message);
        _krum.Aggregate(RobustUpdates.Vectors(updatesByClientId), pseudoGradient);
    }
}
