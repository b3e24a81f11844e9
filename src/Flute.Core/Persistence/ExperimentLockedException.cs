namespace Flute.Core.Persistence;

/// <summary>Another process (or another lock object in this one) holds the experiment's lock.</summary>
public sealed class ExperimentLockedException : Exception
{
    /// <summary>Creates the exception for <paramref name="experimentId"/> and the lock file <paramref name="lockPath"/>.</summary>
    public ExperimentLockedException(string experimentId, string lockPath, Exception? innerException = null)
        : base($"experiment '{experimentId}' is in use by another process (lock {lockPath})", innerException)
    {
        ExperimentId = experimentId;
        LockPath = lockPath;
    }

    /// <summary>The experiment whose lock is held.</summary>
    public string ExperimentId { get; }

    /// <summary>The lock file.</summary>
    public string LockPath { get; }
}
