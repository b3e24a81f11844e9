namespace Flute.Core.Strategies;

/// <summary>
/// Krum's and Multi-Krum's hyper-parameters (from the config: <c>server.byzantine_clients</c>,
/// <c>server.multikrum_selected</c>).
/// </summary>
/// <param name="ByzantineClients">f ≥ 0: the Byzantine clients tolerated per round; a round needs more than 2f + 2 updates.</param>
/// <param name="Selected">Multi-Krum's m: how many best-scored updates are averaged; 0 means n − f for the n updates of the round. Krum ignores it.</param>
public sealed record KrumOptions(int ByzantineClients = KrumOptions.DefaultByzantineClients, int Selected = 0)
{
    /// <summary>
    /// The default f = 2: a cohort of 10 with 20% attackers holds two, and Multi-Krum's default m = n − f
    /// then leaves both out (with f = 1 it averages one of them in). Krum with f = 2 needs more than 6
    /// updates per round.
    /// </summary>
    public const int DefaultByzantineClients = 2;

    /// <summary>The largest f a cohort of <paramref name="cohort"/> allows (n &gt; 2f + 2), or −1 when none does (n &lt; 3).</summary>
    public static int MaxByzantineClients(int cohort) => cohort >= 3 ? (cohort - 3) / 2 : -1;

    /// <summary>Multi-Krum's m for a round of <paramref name="updates"/> updates: <see cref="Selected"/>, or n − f when it is 0.</summary>
    public int SelectedFor(int updates) => Selected > 0 ? Selected : updates - ByzantineClients;

    /// <summary>
    /// The message for a round of <paramref name="updates"/> updates too few for f (n ≤ 2f + 2), naming
    /// what to change; null when the round has enough.
    /// </summary>
    public string? TooFewUpdates(string strategy, int updates) => updates > 2 * ByzantineClients + 2 ? null :
        $"{strategy} with server.byzantine_clients f = {ByzantineClients} needs more than 2f + 2 = {2 * ByzantineClients + 2} updates, " +
        $"but the round has {updates} (clients without samples and rejected updates do not count): raise server.clients_per_round or lower server.byzantine_clients";
}
