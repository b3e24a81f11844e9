namespace Flute.Core.Persistence;

/// <summary>
/// The small per-round record of a committed round: what the experiment grain's state will hold, and
/// what <see cref="CheckpointWriter"/> stores under <c>experiments/&lt;id&gt;/checkpoint</c>. Large values
/// are referenced by store key. Encoded by <see cref="CheckpointCodec.EncodeRecord"/>.
/// </summary>
/// <param name="FormatVersion">The record format (<see cref="CheckpointCodec.RecordFormatVersion"/> when written).</param>
/// <param name="ExperimentId">The experiment.</param>
/// <param name="RoundCompleted">The last round whose results are included (0 = initial weights only).</param>
/// <param name="ModelVersion">The model version of <paramref name="WeightsKey"/>'s weights.</param>
/// <param name="Status">Running, paused, finished or failed.</param>
/// <param name="ConfigJson">The experiment's config as JSON.</param>
/// <param name="ConfigSha256">Lowercase hex SHA-256 of the UTF-8 <paramref name="ConfigJson"/>.</param>
/// <param name="BuildVersion">The build that wrote the record (a resume on another build is not bitwise guaranteed).</param>
/// <param name="MetricsKey">Key of the metrics-history blob (its encoding is the caller's).</param>
/// <param name="WeightsKey">Key of the global weights (<see cref="CheckpointCodec.EncodeFloats"/>).</param>
/// <param name="OptimizerStateKey">Key of the server optimizer's state (<see cref="CheckpointCodec.EncodeFloatArrays"/>).</param>
/// <param name="StrategyStateKey">Key of the strategy's state, or null for a stateless strategy.</param>
/// <param name="CreatedAtUtc">When the record was written (UTC; stored as ticks, so it round-trips exactly).</param>
public sealed record ExperimentCheckpoint(
    int FormatVersion,
    string ExperimentId,
    int RoundCompleted,
    long ModelVersion,
    CheckpointStatus Status,
    string ConfigJson,
    string ConfigSha256,
    string BuildVersion,
    string MetricsKey,
    string WeightsKey,
    string OptimizerStateKey,
    string? StrategyStateKey,
    DateTime CreatedAtUtc);
