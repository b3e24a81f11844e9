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
    [property: Id(9)] int Retries);

/// <summary>Where an experiment stands, with the metrics of rounds the caller has not seen yet.</summary>
[GenerateSerializer, Immutable, Alias("Flute.ExperimentProgress")]
public sealed record ExperimentProgress(
    [property: Id(0)] ExperimentStatus Status,
    [property: Id(1)] int RoundsCompleted,
    [property: Id(2)] int TotalRounds,
    [property: Id(3)] IReadOnlyList<RoundMetrics> NewRounds,
    [property: Id(4)] string? Error,
    [property: Id(5)] string? ModelSha256,
    [property: Id(6)] double RoundsSeconds);
