using Flute.Interfaces;

namespace Flute.Grains.Storage;

/// <summary>
/// The experiment grain's persisted state: small, rewritten once per round — and that write is the
/// round's commit. Large values (weights, optimizer state, the metrics history) live in the checkpoint
/// store under the keys named here; they are written before this state, so a committed state only
/// names durable blobs. The CLI reads it without a silo (<see cref="ExperimentStateReader"/>).
/// </summary>
[GenerateSerializer, Alias("Flute.ExperimentState")]
public sealed class ExperimentState
{
    /// <summary>The state layout (<see cref="CurrentFormat"/> when written).</summary>
    public const int CurrentFormat = 1;

    [Id(0)] public int Format { get; set; } = CurrentFormat;
    [Id(1)] public string ExperimentId { get; set; } = "";
    [Id(2)] public ExperimentStatus Status { get; set; }
    /// <summary>The last round whose results are committed (0: the initial weights).</summary>
    [Id(3)] public int RoundCompleted { get; set; }
    /// <summary>The rounds the experiment runs to (experiment.rounds, or a resume's --rounds).</summary>
    [Id(4)] public int TotalRounds { get; set; }
    [Id(5)] public long ModelVersion { get; set; }
    /// <summary>The validated config as canonical JSON (its experiment.rounds is the original one).</summary>
    [Id(6)] public string ConfigJson { get; set; } = "";
    /// <summary>SHA-256 over the keys that determine results (ConfigJson.ResultHash).</summary>
    [Id(7)] public string ConfigResultHash { get; set; } = "";
    [Id(8)] public string BuildVersion { get; set; } = "";
    [Id(9)] public string WeightsKey { get; set; } = "";
    [Id(10)] public string OptimizerStateKey { get; set; } = "";
    [Id(11)] public string MetricsKey { get; set; } = "";
    [Id(12)] public string? StrategyStateKey { get; set; }
    /// <summary>The round of the best model on the validation split so far (0: none).</summary>
    [Id(13)] public int BestRound { get; set; }
    [Id(14)] public double BestValue { get; set; } = double.NaN;
    /// <summary>"SOURCE@ROUND" when the experiment was started from another one's snapshot.</summary>
    [Id(15)] public string? ForkedFrom { get; set; }
    /// <summary>Config keys changed on resume with --force-config, one entry per resume ("round R: key, key").</summary>
    [Id(16)] public List<string> ConfigBranches { get; set; } = [];

    /// <summary>
    /// Set only while this state is being written as the commit of that round (never stored): the
    /// storage's "commit" crash point reads it from the state it writes (<see cref="Flute.Core.Persistence.CrashPoints"/>).
    /// </summary>
    [NonSerialized]
    public int? CommittingRound;
    [Id(17)] public string? Error { get; set; }
    /// <summary>Where the CLI writes metrics.jsonl and summary.json; a resume appends there.</summary>
    [Id(18)] public string OutputDirectory { get; set; } = "";
    [Id(19)] public RoundMetrics? LastRound { get; set; }
    [Id(20)] public RoundMetrics? LastEvaluated { get; set; }
    [Id(21)] public DateTime UpdatedAtUtc { get; set; }
    /// <summary>Lowercase hex SHA-256 of the committed weights (float32 little-endian).</summary>
    [Id(22)] public string ModelSha256 { get; set; } = "";

    /// <summary>Where the silos find the data set's files; lets a silo that takes over the experiment resume it on its own.</summary>
    [Id(23)] public string DataDir { get; set; } = "";

    /// <summary>The compute fingerprint the experiment started with (null: written before fingerprints); a resume compares against it.</summary>
    [Id(24)] public ComputeFingerprint? Fingerprint { get; set; }
}
