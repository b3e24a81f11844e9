namespace Flute.Core.Persistence;

/// <summary>Everything <see cref="CheckpointWriter.WriteAsync"/> commits for one round.</summary>
/// <param name="ExperimentId">The experiment.</param>
/// <param name="RoundCompleted">The last round whose results are in <paramref name="Weights"/>.</param>
/// <param name="ModelVersion">The model version of <paramref name="Weights"/>.</param>
/// <param name="Status">The status to record.</param>
/// <param name="ConfigJson">The experiment's config as JSON (hashed into the record).</param>
/// <param name="BuildVersion">The running build.</param>
/// <param name="Weights">The global weights.</param>
/// <param name="OptimizerState">The server optimizer's exported state (possibly empty).</param>
/// <param name="MetricsHistory">The metrics history, encoded by the caller.</param>
/// <param name="StrategyState">The strategy's state, encoded by the caller, or null if it has none.</param>
/// <param name="CreatedAtUtc">The time to record (UTC).</param>
public sealed record RoundSnapshot(
    string ExperimentId,
    int RoundCompleted,
    long ModelVersion,
    CheckpointStatus Status,
    string ConfigJson,
    string BuildVersion,
    float[] Weights,
    IReadOnlyList<float[]> OptimizerState,
    ReadOnlyMemory<byte> MetricsHistory,
    byte[]? StrategyState,
    DateTime CreatedAtUtc);
