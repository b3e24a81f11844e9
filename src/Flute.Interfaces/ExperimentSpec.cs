namespace Flute.Interfaces;

/// <summary>What an experiment runs: its id, the validated config as canonical JSON, and where its data lives.</summary>
[GenerateSerializer, Immutable, Alias("Flute.ExperimentSpec")]
public sealed record ExperimentSpec(
    [property: Id(0)] string ExperimentId,
    [property: Id(1)] string ConfigJson,
    [property: Id(2)] string DataDir)
{
    /// <summary>Where the CLI writes the run's outputs; recorded so a resume appends there.</summary>
    [Id(3)] public string OutputDirectory { get; init; } = "";

    /// <summary>Where the experiment computes (this process, or the cluster's first silo); stored with a new experiment.</summary>
    [Id(4)] public ComputeFingerprint? Fingerprint { get; init; }
}

/// <summary>
/// Continue a stored experiment: <see cref="ConfigJson"/> is the stored config with only
/// result-neutral keys changed (experiment.rounds above all) unless <see cref="ForcedChanges"/> lists
/// the keys a --force-config resume changed. With <see cref="ForkSource"/> set, the experiment is new
/// and starts from <see cref="ForkSource"/>'s kept round <see cref="ForkRound"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("Flute.ResumeRequest")]
public sealed record ResumeRequest(
    [property: Id(0)] ExperimentSpec Spec,
    [property: Id(1)] int TotalRounds,
    [property: Id(2)] IReadOnlyList<string> ForcedChanges,
    [property: Id(3)] string? ForkSource,
    [property: Id(4)] int ForkRound);
