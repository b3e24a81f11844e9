namespace Flute.Grains.Torch;

/// <summary>
/// Size of a <see cref="TrainerPool"/>: <see cref="Trainers"/> dedicated OS threads, each running torch
/// with <see cref="ThreadsPerTrainer"/> intra-op threads. Bitwise determinism needs ThreadsPerTrainer = 1
/// (DESIGN.md); Trainers × ThreadsPerTrainer should not exceed the cores.
/// </summary>
public sealed record TrainerPoolOptions(int Trainers, int ThreadsPerTrainer)
{
    /// <summary>One single-threaded trainer per core.</summary>
    public static TrainerPoolOptions Default => new(Math.Max(1, Environment.ProcessorCount), 1);

    internal void Validate()
    {
        if (Trainers < 1) throw new ArgumentOutOfRangeException(nameof(Trainers), Trainers, "at least one trainer");
        if (ThreadsPerTrainer < 1) throw new ArgumentOutOfRangeException(nameof(ThreadsPerTrainer), ThreadsPerTrainer, "at least one thread per trainer");
    }
}
