namespace Flute.Core.Persistence;

/// <summary>A committed round read back by <see cref="CheckpointWriter"/>, every blob verified.</summary>
/// <param name="Record">The round's record.</param>
/// <param name="Weights">The global weights.</param>
/// <param name="OptimizerState">The server optimizer's state, for <c>IServerOptimizer.ImportState</c>.</param>
/// <param name="MetricsHistory">The metrics-history bytes as the caller wrote them.</param>
/// <param name="StrategyState">The strategy-state bytes, or null if none were written.</param>
public sealed record LoadedCheckpoint(
    ExperimentCheckpoint Record,
    float[] Weights,
    IReadOnlyList<float[]> OptimizerState,
    byte[] MetricsHistory,
    byte[]? StrategyState);
