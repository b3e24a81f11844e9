using Flute.Interfaces;

namespace Flute.Grains.Rounds;

/// <summary>
/// A round's simulated attackers (chosen by the server from the cohort, Flute.Core.Attacks.AttackerSelection)
/// and the manipulation each of them is told to apply in its training request.
/// </summary>
/// <param name="Attackers">The attacking client ids.</param>
/// <param name="Attack">What they do to their update.</param>
public sealed record RoundAttack(IReadOnlySet<long> Attackers, TrainAttack Attack)
{
    /// <summary>The request for <paramref name="client"/>: <paramref name="request"/>, carrying the attack when the client is an attacker.</summary>
    public TrainRequest For(long client, TrainRequest request) =>
        Attackers.Contains(client) ? request with { Attack = Attack } : request;
}
