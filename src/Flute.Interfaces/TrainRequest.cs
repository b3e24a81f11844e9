namespace Flute.Interfaces;

/// <summary>
/// One client's work for one round. Carries the model <see cref="ModelVersion"/>, never the weights:
/// the client fetches those from its silo's model cache.
/// </summary>
[GenerateSerializer, Immutable, Alias("Flute.TrainRequest")]
public sealed record TrainRequest(
    [property: Id(0)] string ExperimentId,
    [property: Id(1)] int Round,
    [property: Id(2)] long ModelVersion,
    [property: Id(3)] ulong Seed)
{
    /// <summary>
    /// Fold the update into the client's silo's partial aggregate (a weighted-sum strategy) instead of
    /// returning it; the experiment grain then collects one partial per silo (ISiloAgentGrain).
    /// </summary>
    [Id(4)] public bool FoldOnSilo { get; init; }

    /// <summary>What the strategy asks of the client this round (FedProx's μ, …); null = plain local training.</summary>
    [Id(5)] public TrainInstructions? Instructions { get; init; }

    /// <summary>The simulated attack this client applies to its update (attack section); null for an honest client.</summary>
    [Id(6)] public TrainAttack? Attack { get; init; }

    /// <summary>
    /// Secure aggregation (server.secure_aggregation on): the round's mask cohort, every client that
    /// shares pairwise masks with this one. The client sends its weighted update as masked fixed-point
    /// integers (Flute.Core.Aggregation.PairwiseMasks); null = a plain update. K ids per request, K² per round.
    /// </summary>
    [Id(7)] public long[]? MaskCohort { get; init; }
}

/// <summary>
/// A simulated attacker's manipulation (Flute.Core.Attacks.UpdateAttack), applied to the pseudo-gradient
/// after training and before the update is folded or returned.
/// </summary>
/// <param name="Type">The attack.type name: sign_flip, scale or gaussian.</param>
/// <param name="Scale">attack.scale: the factor, or the Gaussian's standard deviation.</param>
[GenerateSerializer, Immutable, Alias("Flute.TrainAttack")]
public sealed record TrainAttack([property: Id(0)] string Type, [property: Id(1)] double Scale);

/// <summary>
/// A strategy's instructions to every client of a round (Flute.Core.Strategies.ClientInstructions on
/// the wire): values that change the local objective or the update.
/// </summary>
/// <param name="ProximalMu">FedProx's proximal coefficient μ (0 = none).</param>
[GenerateSerializer, Immutable, Alias("Flute.TrainInstructions")]
public sealed record TrainInstructions([property: Id(0)] double ProximalMu)
{
    /// <summary>
    /// SCAFFOLD: correct the local gradients with the control variates (c from the model version, c_i
    /// from the client state store) and send [pseudo-gradient ‖ Δc_i].
    /// </summary>
    [Id(1)] public bool ControlVariates { get; init; }

    /// <summary>DP-FedAvg: scale the finished update to L2 norm ≤ this before sending; 0 = no clipping.</summary>
    [Id(2)] public double ClipNorm { get; init; }
}

/// <summary>
/// A client's answer: sample count, mean training loss, and the pseudo-gradient (global − local)
/// as a MessagePack payload (Flute.Core.Codecs.PseudoGradientPayload). <see cref="Payload"/> is
/// null for a client with no samples.
/// </summary>
[GenerateSerializer, Immutable, Alias("Flute.TrainResult")]
public sealed record TrainResult(
    [property: Id(0)] long ClientId,
    [property: Id(1)] int SampleCount,
    [property: Id(2)] double Loss,
    [property: Id(3)] byte[]? Payload)
{
    /// <summary>The silo (its <see cref="ISiloAgentGrain"/> key) whose partial aggregate holds this update, when folded there.</summary>
    [Id(4)] public string? FoldedOn { get; init; }

    /// <summary>Why the silo refused to fold the update (NaN/Inf, overflow, bad weight), or null.</summary>
    [Id(5)] public string? Rejected { get; init; }

    /// <summary>True when this call activated the client grain (one activation per sampled client is the goal).</summary>
    [Id(6)] public bool Activated { get; init; }

    /// <summary>True when the client scaled its update down to the clip norm of its instructions (its norm exceeded it).</summary>
    [Id(7)] public bool Clipped { get; init; }
}
