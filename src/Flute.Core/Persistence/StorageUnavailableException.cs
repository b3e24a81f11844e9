namespace Flute.Core.Persistence;

/// <summary>
/// The store could not be reached or written after bounded retries (a network error, a refused
/// connection, a read-only or full disk). Nothing partially written is ever read back as committed;
/// the CLI reports the one-line message and exits with code 3.
/// </summary>
public sealed class StorageUnavailableException : Exception
{
    /// <summary>Creates the exception; <paramref name="message"/> is one line naming the store and what failed.</summary>
    public StorageUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
