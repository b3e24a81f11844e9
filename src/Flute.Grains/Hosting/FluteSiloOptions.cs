namespace Flute.Grains.Hosting;

/// <summary>Per-silo settings: the trainer pool on this silo's device.</summary>
public sealed class FluteSiloOptions
{
    /// <summary>Trainer threads, each with its own model replicas. 0 (the default) = one per core.</summary>
    public int Trainers { get; set; }

    /// <summary>The trainer count in effect: <see cref="Trainers"/>, or one per core when it is 0.</summary>
    public int EffectiveTrainers => Trainers > 0 ? Trainers : Environment.ProcessorCount;

    /// <summary>Torch intra-op threads per trainer. Default 1 (DESIGN.md: 2 × 1 beats 1 × 2 on 2 cores).</summary>
    public int ThreadsPerTrainer { get; set; } = 1;

    /// <summary>The device the silo's trainers run on: <c>cpu</c>, or <c>cuda:N</c> (see <see cref="TrainerDevice"/>).</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>
    /// Cluster silos: an experiment grain activated on this silo whose committed state says it is
    /// running continues by itself from its last committed round (its silo died, or the cluster
    /// restarted), and a reminder wakes it if nothing else calls it. Off in the embedded silo, where
    /// the CLI's run or resume starts it.
    /// </summary>
    public bool ResumeRunningExperiments { get; set; }

    /// <summary>Throws a one-line error naming the bad setting.</summary>
    public void Validate()
    {
        TrainerDevice.Parse(Device);
        if (Trainers < 0) throw new ArgumentException($"silo.trainers: expected an integer ≥ 0 (0 = one per core), found {Trainers}");
        if (ThreadsPerTrainer < 1) throw new ArgumentException($"silo.threads_per_trainer: expected an integer ≥ 1, found {ThreadsPerTrainer}");
    }
}
