using Flute.Core.Persistence;
using Flute.Grains.Storage.Azure;

namespace Flute.Grains.Storage;

/// <summary>Whether an exception (or one it wraps) means the store could not be reached or written — the CLI's exit code 3.</summary>
public static class StorageFailures
{
    /// <param name="error">The exception, searched with its inner exceptions.</param>
    /// <param name="fileErrors">Also count I/O and access errors: true where only the store does file I/O (a commit), false where data files are read too (start-up).</param>
    public static bool Is(Exception error, bool fileErrors)
    {
        for (Exception? x = error; x is not null; x = x.InnerException)
        {
            if (x is StorageUnavailableException || AzureStorageClients.IsUnavailable(x)
                || (fileErrors && x is IOException or UnauthorizedAccessException))
                return true;
        }
        return false;
    }
}
