namespace Flute.Interfaces;

[GenerateSerializer, Alias("Flute.ExperimentStatus")]
public enum ExperimentStatus
{
    NotStarted = 0,
    Running = 1,
    Paused = 2,
    Finished = 3,
    Failed = 4,
}

/// <summary>One round's metrics (the CLI writes them to metrics.jsonl).</summary>
[GenerateSerializer, Immutable, Alias("Flute.RoundMetrics")]
public sealed record RoundMetrics(
    [property: Id(0)] int Round,
    [property: Id(1)] int Sampled,
    [property: Id(2)] int Clients,
    [property: Id(3)] double TrainLoss,
    [property: Id(4)] double Seconds,
    [property: Id(5)] double? EvalSeconds,
    [property: Id(6)] double? TestAccuracy,
    [property: Id(7)] double? TestLoss,
    [property: Id(8)] int Rejected,
    [property: Id(9)] int Retries)
{
    /// <summary>Accuracy on the validation split (data.validation_fraction), when evaluated.</summary>
    [Id(10)] public double? ValidationAccuracy { get; init; }

    /// <summary>Mean loss on the validation split, when evaluated.</summary>
    [Id(11)] public double? ValidationLoss { get; init; }

    /// <summary>Client-grain activations during the round on the experiment grain's silo (one per sampled client when nothing is retried).</summary>
    [Id(12)] public long? Activations { get; init; }

    /// <summary>Client grains still activated on that silo when the round ended (deactivation follows each reply).</summary>
    [Id(13)] public long? AliveAfter { get; init; }

    /// <summary>Weight bytes the experiment grain sent to other silos' model caches for this round's model version.</summary>
    [Id(14)] public long? ModelBytesToSilos { get; init; }

    /// <summary>Update bytes that reached the experiment grain: per-silo partial aggregates plus any individual payloads.</summary>
    [Id(15)] public long? UpdateBytesToServer { get; init; }

    /// <summary>Clients whose update each silo contributed this round, by silo endpoint (host:port).</summary>
    [Id(16)] public IReadOnlyDictionary<string, int>? SiloClients { get; init; }

    /// <summary>Simulated attackers among the round's sampled clients; null when attack.type is none.</summary>
    [Id(17)] public int? Attacked { get; init; }

    /// <summary>Virtual seconds the round lasted (devices.clock on; docs/heterogeneity.md); null with the clock off.</summary>
    [Id(18)] public double? VirtualSeconds { get; init; }

    /// <summary>Virtual seconds since the experiment began, this round included; null with the clock off.</summary>
    [Id(19)] public double? VirtualTime { get; init; }

    /// <summary>Sampled clients that dropped out (devices.dropout); null with the clock off.</summary>
    [Id(20)] public int? Dropped { get; init; }

    /// <summary>Sampled clients whose update arrived after the round closed (deadline, over-commitment) and was discarded; null with the clock off.</summary>
    [Id(21)] public int? Late { get; init; }

    /// <summary>FedBuff: the mean staleness (server steps) of the updates applied in this step; null otherwise.</summary>
    [Id(22)] public double? Staleness { get; init; }
    /// <summary>Per-client accuracy of the global model on the clients' own test splits (server.client_eval); null when not evaluated.</summary>
    [Id(30)] public ClientAccuracy? ClientAccuracy { get; init; }

    /// <summary>Per-client accuracy after server.personalization_steps local steps; null when not evaluated.</summary>
    [Id(31)] public ClientAccuracy? PersonalizedAccuracy { get; init; }

    /// <summary>
    /// Bytes of encoded update data the round's clients produced (client.codec's encoded size × clients that
    /// sent an update, folded or rejected), whether or not they crossed the network (per-silo folding).
    /// </summary>
    [Id(32)] public long? ClientUpdateBytes { get; init; }

    /// <summary>Central DP (server.strategy dpfedavg): ε spent after this round, at <see cref="Delta"/>; null otherwise.</summary>
    [Id(33)] public double? Epsilon { get; init; }

    /// <summary>The δ of <see cref="Epsilon"/> (privacy.delta).</summary>
    [Id(34)] public double? Delta { get; init; }

    /// <summary>
    /// Secure aggregation (server.secure_aggregation on): (folded client, cohort member that sent nothing)
    /// pairs whose leftover masks the server removed this round; null when off.
    /// </summary>
    [Id(41)] public int? MaskPairsRecovered { get; init; }
    /// <summary>Adaptive clipping (privacy.adaptive_clipping on): the clip norm C the clients clipped to this round; null otherwise.</summary>
    [Id(35)] public double? ClipNorm { get; init; }

    /// <summary>Adaptive clipping: the noised share of this round's clients whose update was clipped (1 − b̃, the value C's step used).</summary>
    [Id(36)] public double? ClippedFraction { get; init; }

    /// <summary>True when the round made no server step because no update was folded (e.g. an empty Poisson cohort); null otherwise.</summary>
    [Id(37)] public bool? StepSkipped { get; init; }

    /// <summary>The configured metrics (server.metrics) on the test split, by metric name (metrics.jsonl <c>test_&lt;name&gt;</c>); null when not evaluated or none is configured.</summary>
    [Id(42)] public IReadOnlyDictionary<string, double>? TestMetrics { get; init; }

    /// <summary>The configured metrics on the validation split (metrics.jsonl <c>val_&lt;name&gt;</c>); null without a validation split, evaluation or metric.</summary>
    [Id(43)] public IReadOnlyDictionary<string, double>? ValidationMetrics { get; init; }
}

/// <summary>Accuracy over clients: how many were evaluated, the mean, and the 10th/50th/90th percentiles.</summary>
[GenerateSerializer, Immutable, Alias("Flute.ClientAccuracy")]
public sealed record ClientAccuracy(
    [property: Id(0)] int Clients,
    [property: Id(1)] double Mean,
    [property: Id(2)] double P10,
    [property: Id(3)] double P50,
    [property: Id(4)] double P90);

/// <summary>Where an experiment stands, with the metrics of rounds the caller has not seen yet.</summary>
[GenerateSerializer, Immutable, Alias("Flute.ExperimentProgress")]
public sealed record ExperimentProgress(
    [property: Id(0)] ExperimentStatus Status,
    [property: Id(1)] int RoundsCompleted,
    [property: Id(2)] int TotalRounds,
    [property: Id(3)] IReadOnlyList<RoundMetrics> NewRounds,
    [property: Id(4)] string? Error,
    [property: Id(5)] string? ModelSha256,
    [property: Id(6)] double RoundsSeconds)
{
    /// <summary>True when the experiment stopped because its store could not be written (CLI exit code 3); the last committed round is intact.</summary>
    [Id(7)] public bool StorageFailure { get; init; }

    /// <summary>The last committed round when the grain was (re)started in this process; rounds before it were run earlier.</summary>
    [Id(8)] public int ResumedFromRound { get; init; }
}
