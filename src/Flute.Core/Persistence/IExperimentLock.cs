namespace Flute.Core.Persistence;

/// <summary>
/// The exclusive right of one process to run or resume one experiment: an OS file lock on the
/// local store (<see cref="ExperimentLock"/>), a renewed blob lease on Azure Storage. Held for the
/// whole run; released on dispose, and by the OS (file lock) or by expiry (lease) when the holder
/// dies, so a crashed run never blocks its own resume for long.
/// </summary>
public interface IExperimentLock : IAsyncDisposable
{
    /// <summary>The locked experiment.</summary>
    string ExperimentId { get; }

    /// <summary>Where the lock lives (a file path, a blob address), for messages.</summary>
    string Location { get; }

    /// <summary>
    /// Completes (with the reason) if the lock is lost while held — e.g. a lease that could not be
    /// renewed before it expired. The holder must then stop writing. Never completes for a file lock.
    /// </summary>
    Task<string> Lost { get; }
}
