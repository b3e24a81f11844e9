namespace Flute.Core.Persistence;

/// <summary>An experiment's status as a checkpoint records it (stored as its lowercase name).</summary>
public enum CheckpointStatus
{
    /// <summary>Rounds are being run; a checkpoint in this state after a crash means "resume me".</summary>
    Running = 1,

    /// <summary>Stopped at a round boundary on request.</summary>
    Paused = 2,

    /// <summary>All rounds done.</summary>
    Finished = 3,

    /// <summary>Stopped by an error; the last committed round is intact.</summary>
    Failed = 4,
}
