using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Flute.Core.Persistence;

/// <summary>
/// An <see cref="ICheckpointStore"/> on a local directory (docs/persistence.md, "On-disk layout").
/// A key maps to the file <c>root/&lt;key&gt;</c>, except that the segment after every <c>clients</c>
/// directory is placed under two hash-prefix shard directories (<c>clients/73/47/42/...</c> for client
/// "42": the first two bytes of SHA-256 of the id, in hex), so millions of client entries spread over
/// 65,536 directories. Writes go to a temp file in the target's directory, are fsynced, renamed over
/// the target and then the directory is fsynced (on Linux), so a crash leaves the old blob or the new.
/// </summary>
public sealed partial class LocalCheckpointStore : ICheckpointStore
{
    private const int ShardHexDigits = 2;
    private const int MaxPutAttempts = 3;
    private static long s_tempCounter;

    /// <summary>Uses (and creates if needed) the directory <paramref name="root"/>.</summary>
    public LocalCheckpointStore(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    /// <summary>The absolute root directory.</summary>
    public string Root { get; }

    /// <summary>
    /// Called with the key after a put's temp file is durable and before it replaces the target: the
    /// moment inside a commit that crash tests aim at (<see cref="CrashPoints"/>). Null by default.
    /// </summary>
    public Action<string>? BeforeReplace { get; init; }

    /// <summary>The file a key is stored in (after validation and sharding).</summary>
    /// <exception cref="ArgumentException">The key is invalid.</exception>
    public string PathOf(string key) => Path.Combine([Root, .. MapSegments(CheckpointKeys.Validate(key), out _)]);

    /// <inheritdoc />
    public string Locate(string key) => PathOf(key);

    /// <inheritdoc />
    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        string path = PathOf(key);
        cancellationToken.ThrowIfCancellationRequested();

        // fsync blocks for as long as the device takes; keep it off the caller's (grain) thread.
        return Task.Run(() => WriteAtomically(key, path, data), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        string path = PathOf(key);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(path))
        {
            return null;
        }
        await using (stream)
        {
            long fileLength = stream.Length;
            byte[] header = new byte[CheckpointEnvelope.HeaderSize];
            int headerBytes = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken);
            byte[] expected = new byte[SHA256.HashSizeInBytes];
            long length = CheckpointEnvelope.ReadHeader(header.AsSpan(0, headerBytes), fileLength, expected, key, path);
            byte[] content = new byte[length];
            int read = await stream.ReadAtLeastAsync(content, content.Length, throwOnEndOfStream: false, cancellationToken);
            if (read < content.Length)
            {
                throw new CorruptCheckpointException(key, path, CheckpointCorruption.Truncated,
                    $"the header says {length} content bytes, {read} could be read");
            }
            CheckpointEnvelope.VerifyContent(content, expected, key, path);
            return content;
        }
    }

    /// <inheritdoc />
    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(PathOf(key)));

    /// <inheritdoc />
    public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        string[] complete = CheckpointKeys.ValidatePrefix(prefix);
        string[] mapped = MapSegments(complete, out bool endsInClients);
        string start = Path.Combine([Root, .. mapped]);
        string keyPrefix = complete.Length == 0 ? "" : string.Join('/', complete) + "/";
        IEnumerable<string> keys = Walk(start, keyPrefix, endsInClients, cancellationToken)
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal));
        return keys.ToAsyncEnumerable();
    }

    /// <inheritdoc />
    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        string path = PathOf(key);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            return Task.CompletedTask;
        }
        PruneEmptyDirectories(Path.GetDirectoryName(path)!);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Deletes temp files left by writes a crash interrupted, and returns how many. Only files older than
    /// <paramref name="minimumAge"/> are deleted: a temp file younger than that may belong to a write in
    /// progress in another process sharing the directory.
    /// </summary>
    public int CleanupTempFiles(TimeSpan minimumAge = default)
    {
        DateTime cutoff = DateTime.UtcNow - minimumAge;
        int deleted = 0;
        foreach (string file in Directory.EnumerateFiles(Root, "*" + CheckpointKeys.TempSuffix, SearchOption.AllDirectories))
        {
            try
            {
                if (File.GetLastWriteTimeUtc(file) <= cutoff)
                {
                    File.Delete(file);
                    deleted++;
                }
            }
            catch (IOException)
            {
                // Renamed or deleted by its writer meanwhile: nothing left to clean.
            }
        }
        return deleted;
    }

    /// <summary>The shard directories for a client id: the first two bytes of SHA-256(UTF-8 id), lowercase hex.</summary>
    public static (string First, string Second) ShardsOf(string clientId)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(clientId), hash);
        string hex = Convert.ToHexStringLower(hash[..2]);
        return (hex[..ShardHexDigits], hex[ShardHexDigits..]);
    }

    private static string[] MapSegments(string[] segments, out bool endsInClients)
    {
        var mapped = new List<string>(segments.Length + 2);
        endsInClients = false;
        for (int i = 0; i < segments.Length; i++)
        {
            mapped.Add(segments[i]);
            if (segments[i] == CheckpointKeys.ClientsSegment)
            {
                if (i + 1 == segments.Length)
                {
                    endsInClients = true;
                    break;
                }
                (string first, string second) = ShardsOf(segments[i + 1]);
                mapped.Add(first);
                mapped.Add(second);
                mapped.Add(segments[++i]);
            }
        }
        return [.. mapped];
    }

    // Keys are rebuilt from the directory tree; a directory named "clients" holds two shard levels whose
    // entries are client ids. The lock file of an experiment and temp files are not keys.
    private static IEnumerable<string> Walk(string directory, string keyPrefix, bool isClients, CancellationToken cancellationToken)
    {
        if (isClients)
        {
            foreach (DirectoryInfo first in Children(directory).OfType<DirectoryInfo>())
            {
                foreach (DirectoryInfo second in Children(first.FullName).OfType<DirectoryInfo>())
                {
                    foreach (string key in WalkEntries(second.FullName, keyPrefix, cancellationToken))
                    {
                        yield return key;
                    }
                }
            }
            yield break;
        }
        foreach (string key in WalkEntries(directory, keyPrefix, cancellationToken))
        {
            yield return key;
        }
    }

    private static IEnumerable<string> WalkEntries(string directory, string keyPrefix, CancellationToken cancellationToken)
    {
        foreach (FileSystemInfo entry in Children(directory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string key = keyPrefix + entry.Name;
            if (entry is DirectoryInfo)
            {
                bool isClients = entry.Name == CheckpointKeys.ClientsSegment;
                foreach (string inner in Walk(entry.FullName, key + "/", isClients, cancellationToken))
                {
                    yield return inner;
                }
            }
            else if (!entry.Name.EndsWith(CheckpointKeys.TempSuffix, StringComparison.Ordinal) && !IsLockFile(key))
            {
                yield return key;
            }
        }
    }

    private static bool IsLockFile(string key) =>
        key.Split('/') is ["experiments", _, CheckpointKeys.LockName];

    private static FileSystemInfo[] Children(string directory)
    {
        try
        {
            FileSystemInfo[] children = new DirectoryInfo(directory).GetFileSystemInfos();
            Array.Sort(children, (a, b) => string.CompareOrdinal(a.Name, b.Name));
            return children;
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }

    private void WriteAtomically(string key, string path, ReadOnlyMemory<byte> data)
    {
        string directory = Path.GetDirectoryName(path)!;
        byte[] header = new byte[CheckpointEnvelope.HeaderSize];
        CheckpointEnvelope.WriteHeader(data.Span, header);
        for (int attempt = 1; ; attempt++)
        {
            EnsureDirectory(directory);
            string temp = $"{path}.{Environment.ProcessId}.{Interlocked.Increment(ref s_tempCounter)}{CheckpointKeys.TempSuffix}";
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
                {
                    stream.Write(header);
                    stream.Write(data.Span);
                    stream.Flush(flushToDisk: true);
                }
                BeforeReplace?.Invoke(key);
                File.Move(temp, path, overwrite: true);
                FsyncDirectory(directory);
                return;
            }
            catch (DirectoryNotFoundException) when (attempt < MaxPutAttempts)
            {
                // A concurrent delete pruned the directory between creating it and writing: create it again.
            }
            catch
            {
                TryDelete(temp);
                throw;
            }
        }
    }

    private void EnsureDirectory(string directory)
    {
        if (Directory.Exists(directory) || directory.Length <= Root.Length)
        {
            return;
        }
        string parent = Path.GetDirectoryName(directory)!;
        EnsureDirectory(parent);
        Directory.CreateDirectory(directory);

        // A new directory's entry lives in its parent; without this a power cut could lose the whole subtree.
        FsyncDirectory(parent);
    }

    private void PruneEmptyDirectories(string directory)
    {
        while (directory.Length > Root.Length && directory.StartsWith(Root, StringComparison.Ordinal))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(directory).Any())
                {
                    return;
                }
                Directory.Delete(directory);
            }
            catch (IOException)
            {
                return;
            }
            directory = Path.GetDirectoryName(directory)!;
        }
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
            // Left for CleanupTempFiles; never listed or read.
        }
    }

    // Best effort: the rename is atomic either way; fsync of the directory makes it durable across a power
    // cut. Not available off Linux, and some file systems refuse it; neither is an error.
    private static void FsyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        try
        {
            int fd = Open(directory, ReadOnlyCloseOnExec);
            if (fd < 0)
            {
                return;
            }
            _ = Fsync(fd);
            _ = Close(fd);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (e.g. musl): skip.
        }
    }

    // O_RDONLY | O_CLOEXEC (02000000 on every Linux architecture .NET runs on).
    private const int ReadOnlyCloseOnExec = 0x80000;

    [LibraryImport("libc.so.6", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc.so.6", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
