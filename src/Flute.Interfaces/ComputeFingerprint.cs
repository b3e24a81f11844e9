namespace Flute.Interfaces;

/// <summary>
/// What determines a process's model bits besides the config and seed: the CPU and its relevant
/// instruction-set flags, the libtorch build, the dispatch variables in force (null: unset), the
/// compute mode and the trainer threads (docs/reproducibility.md). Recorded with the experiment and
/// in summary.json; a resume or a cluster silo that differs is named field by field.
/// </summary>
[GenerateSerializer, Immutable, Alias("Flute.ComputeFingerprint")]
public sealed record ComputeFingerprint(
    [property: Id(0)] string Cpu,
    [property: Id(1)] string IsaFlags,
    [property: Id(2)] string Libtorch,
    [property: Id(3)] string? AtenCpuCapability,
    [property: Id(4)] string? MklCbwr,
    [property: Id(5)] string? MklEnableInstructions,
    [property: Id(6)] string? OnednnMaxCpuIsa,
    [property: Id(7)] string Compute,
    [property: Id(8)] int ThreadsPerTrainer,
    [property: Id(9)] int Trainers,
    [property: Id(10)] string Os,
    [property: Id(11)] string Arch);
