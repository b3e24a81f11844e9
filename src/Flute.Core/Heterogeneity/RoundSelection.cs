namespace Flute.Core.Heterogeneity;

/// <summary>A sampled client as the virtual clock sees it: when its update would reach the server, and whether it drops out.</summary>
/// <param name="ClientId">The client.</param>
/// <param name="CompletionSeconds">Virtual seconds from the round's start until its update arrives.</param>
/// <param name="Dropped">It drops out (devices.dropout): it never reports.</param>
public readonly record struct ClientTiming(long ClientId, double CompletionSeconds, bool Dropped);

/// <summary>What the clock decided for a round.</summary>
/// <param name="Kept">Clients whose updates count, ascending by id.</param>
/// <param name="Dropped">Clients that dropped out.</param>
/// <param name="Late">Clients that did not drop out but arrived after the round closed (past the deadline, or after the target was reached).</param>
/// <param name="DurationSeconds">Virtual seconds from the round's start until it closed.</param>
public sealed record RoundPlan(long[] Kept, int Dropped, int Late, double DurationSeconds);

/// <summary>
/// The synchronous round policies (docs/heterogeneity.md): a client that dropped out never reports; an
/// update arriving after <c>deadline</c> virtual seconds is discarded; of the rest, the first
/// <c>target</c> by completion time (ties: lower client id first) are kept — with over-commitment the
/// cohort is larger than the target, so the slowest are discarded.
/// </summary>
public static class RoundSelection
{
    /// <summary>
    /// Chooses the updates that count. The round closes when the target is reached (at the last kept
    /// arrival); otherwise at the deadline, when there is one and a client is missing; otherwise at the
    /// last arrival (clients that drop out are taken to say so at once).
    /// </summary>
    /// <param name="cohort">The sampled clients.</param>
    /// <param name="target">Updates the round needs (server.clients_per_round).</param>
    /// <param name="deadline">Virtual seconds; 0 = none.</param>
    public static RoundPlan Select(IReadOnlyList<ClientTiming> cohort, int target, double deadline)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(target);
        ArgumentOutOfRangeException.ThrowIfNegative(deadline);
        var arrived = new List<ClientTiming>(cohort.Count);
        int dropped = 0;
        foreach (ClientTiming c in cohort)
        {
            if (c.Dropped) dropped++;
            else if (deadline == 0 || c.CompletionSeconds <= deadline) arrived.Add(c);
        }
        arrived.Sort((a, b) => a.CompletionSeconds != b.CompletionSeconds
            ? a.CompletionSeconds.CompareTo(b.CompletionSeconds)
            : a.ClientId.CompareTo(b.ClientId));
        int keep = Math.Min(target, arrived.Count);
        long[] kept = new long[keep];
        for (int i = 0; i < keep; i++) kept[i] = arrived[i].ClientId;
        Array.Sort(kept);

        double lastKept = keep > 0 ? arrived[keep - 1].CompletionSeconds : 0;
        bool missing = keep < target && keep < cohort.Count;
        double duration = missing && deadline > 0 ? deadline : lastKept;
        return new RoundPlan(kept, dropped, cohort.Count - dropped - keep, duration);
    }

    /// <summary>⌈(1 + x)·K⌉ clients to sample for a target of K with over-commitment x (x·K rounded to 10⁻⁹ first, so 0.3 × 10 is 3, not 3.0000000000000004).</summary>
    public static int OverCommitted(int target, double overCommit) =>
        target + (int)Math.Ceiling(Math.Round(overCommit * target, 9));
}
