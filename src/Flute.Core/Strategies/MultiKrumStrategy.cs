using Flute.Core.Aggregation.Robust;

namespace Flute.Core.Strategies;

/// <summary>
/// Multi-Krum: the unweighted mean of the m updates with the lowest Krum scores (f =
/// server.byzantine_clients, m = server.multikrum_selected, 0 meaning n − f for the round's n updates).
/// Blanchard, El Mhamdi, Guerraoui and Stainer, "Machine Learning with Adversaries: Byzantine Tolerant
/// Gradient Descent", NeurIPS 2017 (section 5). Needs more than 2f + 2 updates and m ≤ n per round:
/// the config is checked against server.clients_per_round, and a round that receives too few fails
/// with a message saying what to change. Buffered: memory cohort × parameters × 4 bytes on the server,
/// plus n² doubles of pairwise distances; time O(n²·parameters).
/// </summary>
public sealed class MultiKrumStrategy : BufferedStrategy
{
    /// <summary>The registered name.</summary>
    public const string StrategyName = "multikrum";

    /// <summary>Creates Multi-Krum with its options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">f or m is negative.</exception>
    public MultiKrumStrategy(KrumOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.ByzantineClients, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.Selected, nameof(options));
        Options = options;
    }

    /// <summary>The options this instance runs with.</summary>
    public KrumOptions Options { get; }

    /// <inheritdoc />
    public override string Name => StrategyName;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The round has n ≤ 2f + 2 updates, or fewer than m.</exception>
    public override void Aggregate(IReadOnlyList<ClientUpdate> updatesByClientId, Span<float> pseudoGradient)
    {
        ArgumentNullException.ThrowIfNull(updatesByClientId);
        int n = updatesByClientId.Count;
        if (Options.TooFewUpdates(Name, n) is { } message) throw new InvalidOperationException(message);
        int selected = Options.SelectedFor(n);
        if (selected > n)
        {
            throw new InvalidOperationException(
                $"{Name} averages server.multikrum_selected m = {selected} updates, but the round has {n} (clients without samples and rejected updates do not count): lower server.multikrum_selected or set it to 0 (n − f)");
        }
        new MultiKrum(Options.ByzantineClients, selected).Aggregate(RobustUpdates.Vectors(updatesByClientId), pseudoGradient);
    }
}
