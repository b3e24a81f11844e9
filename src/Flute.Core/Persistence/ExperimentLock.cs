using System.Text;

namespace Flute.Core.Persistence;

/// <summary>
/// The exclusive right to run or resume one experiment on the local store: the file
/// <c>&lt;root&gt;/experiments/&lt;id&gt;/lock</c> held open with <see cref="FileShare.None"/> for the
/// object's lifetime (on Linux .NET takes a non-blocking <c>flock(LOCK_EX)</c>). The OS drops the lock
/// when the process ends, even by SIGKILL, so a crashed run never leaves a stale lock. The file itself
/// is never deleted: removing it while another process opens it would let two processes lock two
/// different files of the same name.
/// </summary>
/// <remarks>
/// Advisory and local: it excludes processes on this machine that take the same lock (not network file
/// systems without flock support, and not when DOTNET_SYSTEM_IO_DISABLEFILELOCKING is set).
/// </remarks>
public sealed class ExperimentLock : IExperimentLock, IDisposable
{
    private readonly FileStream _handle;

    private ExperimentLock(string experimentId, string path, FileStream handle)
    {
        ExperimentId = experimentId;
        Path = path;
        _handle = handle;
    }

    /// <summary>The locked experiment.</summary>
    public string ExperimentId { get; }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>Takes the lock, creating the file (and its directory) if needed, without waiting.</summary>
    /// <exception cref="ExperimentLockedException">The lock is held elsewhere.</exception>
    /// <exception cref="ArgumentException">The experiment id is not a valid key segment.</exception>
    public static ExperimentLock Acquire(string root, string experimentId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        string relative = CheckpointKeys.LockKey(experimentId);
        string path = System.IO.Path.Combine([System.IO.Path.GetFullPath(root), .. relative.Split('/')]);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        FileStream handle;
        try
        {
            handle = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
        }
        catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
        {
            throw new ExperimentLockedException(experimentId, path, e);
        }

        // For a human looking at the file; the lock is the open handle, not this content.
        try
        {
            handle.SetLength(0);
            handle.Write(Encoding.UTF8.GetBytes($"pid {Environment.ProcessId}\n"));
            handle.Flush();
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        return new ExperimentLock(experimentId, path, handle);
    }

    /// <inheritdoc />
    public string Location => Path;

    /// <inheritdoc />
    public Task<string> Lost { get; } = new TaskCompletionSource<string>().Task;

    /// <summary>Releases the lock (the file stays).</summary>
    public void Dispose() => _handle.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _handle.Dispose();
        return ValueTask.CompletedTask;
    }
}
