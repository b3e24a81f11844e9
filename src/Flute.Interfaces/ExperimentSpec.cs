namespace Flute.Interfaces;

/// <summary>What an experiment runs: its id, the validated config as canonical JSON, and where its data lives.</summary>
[GenerateSerializer, Immutable, Alias("Flute.ExperimentSpec")]
public sealed record ExperimentSpec(
    [property: Id(0)] string ExperimentId,
    [property: Id(1)] string ConfigJson,
    [property: Id(2)] string DataDir);
