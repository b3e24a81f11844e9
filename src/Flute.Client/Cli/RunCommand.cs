using Flute.Client.Dashboard;
using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Heterogeneity;
using Flute.Core.Persistence;
using Flute.Core.Registry;
using Flute.Grains.Storage;
using Flute.Interfaces;

namespace Flute.Client.Cli;

/// <summary>
/// <c>flute run</c>: validates the config, takes the experiment's lock in the store, makes sure the
/// data is there, and runs the experiment on an embedded silo (<see cref="RunSession"/>).
/// </summary>
public static class RunCommand
{
    private static readonly DefaultExperimentIds s_defaultIds = new(() => DateTime.Now, Environment.ProcessId);

    /// <summary>The config's storage.provider when the file sets one (so a cluster run can warn that it is ignored).</summary>
    private static string? ConfigProvider(string path, FluteConfig config) =>
        File.Exists(path) && File.ReadAllText(path).Contains("provider:", StringComparison.Ordinal) ? config.Storage.Provider : null;

    public static async Task<int> ExecuteAsync(RunArguments args)
    {
        FluteConfig config = ConfigLoader.Load(args.ConfigPath, args.Overrides);
        DataFiles.Check(args.DataDir, config);
        DeviceFiles.Check(config);
        ClusterTarget? target = args.Cluster.Resolve();
        DashboardEndpoint? dashboard = args.Dashboard.Resolve();
        await using ClusterConnection? cluster = target is null ? null : await ClusterConnection.ConnectAsync(target, dashboard);
        FluteStorageOptions storage = cluster is null
            ? args.Storage.Resolve(config)
            : cluster.Storage(await cluster.SilosAsync(), args.Storage, ConfigProvider(args.ConfigPath, config));
        // Before the embedded silo exists, so the dispatch is pinned before libtorch loads.
        ComputeFingerprint? fingerprint = cluster is null
            ? FingerprintCheck.Embedded(config)
            : FingerprintCheck.Cluster(await cluster.SilosAsync(), null, config, args.StrictFingerprint, Console.Error);
        string id = args.Id ?? s_defaultIds.Next(config.Experiment.Name);
        string outDir = Path.GetFullPath(args.OutDir ?? Path.Combine("runs", id));
        Console.WriteLine($"experiment {id} -> {Path.GetRelativePath(Environment.CurrentDirectory, outDir)} (store: {RunSession.StoreDescription(storage)}{(target is null ? "" : $", {target.Describe()}")})");
        var run = new NewRun(config, id, outDir, storage, args.Storage, fingerprint, args.DataDir);
        return await RunNewAsync(run, plan => plan with { Cluster = cluster, ClusterEcho = args.Cluster.Echo(), TensorBoard = args.TensorBoard, Dashboard = dashboard });
    }

    /// <summary>
    /// Takes the new experiment's lock in the store (refusing an id that exists), makes sure the data
    /// is there, and runs it; <paramref name="adjust"/> places the session (a cluster, a shared silo).
    /// </summary>
    internal static async Task<int> RunNewAsync(NewRun run, Func<SessionPlan, SessionPlan> adjust)
    {
        IExperimentLock? experimentLock = null;
        try
        {
            if (run.Storage.Kind != StorageKind.None)
            {
                ExperimentStore store = ExperimentStore.Open(run.Storage);
                experimentLock = await Locks.AcquireAsync(store, run.Id);
                if (await store.ReadStateAsync(run.Id) is { } existing)
                {
                    throw new UsageException(
                        $"experiment '{run.Id}' already exists in {store.Location} ({existing.Status.ToString().ToLowerInvariant()}, round {existing.RoundCompleted}/{existing.TotalRounds}); " +
                        $"continue it with './flute resume {run.Id}{run.StorageArguments.Echo()}' or choose another --id");
                }
            }
            DataLocation files = DataFiles.Ensure(run.DataDir, run.Config);
            var spec = new ExperimentSpec(run.Id, ConfigJson.Serialize(run.Config), Path.GetFullPath(files.Directory)) { OutputDirectory = run.OutputDirectory, Fingerprint = run.Fingerprint };
            return await RunSession.ExecuteAsync(adjust(new SessionPlan(
                spec, run.Config, run.Config.Experiment.Rounds, run.Storage, run.StorageArguments, experimentLock, files.FetchSeconds,
                IsResume: false, Start: grain => grain.StartAsync(spec))));
        }
        finally
        {
            if (experimentLock is not null) await experimentLock.DisposeAsync();
        }
    }
}

/// <summary>A new experiment to run: its validated config, id, output directory, store and compute fingerprint.</summary>
internal sealed record NewRun(
    FluteConfig Config, string Id, string OutputDirectory, FluteStorageOptions Storage, StorageArguments StorageArguments,
    ComputeFingerprint? Fingerprint, string? DataDir);

/// <summary>The data set's files, fetched on first use.</summary>
internal static class DataFiles
{
    /// <summary>
    /// Checks the data named explicitly — a partitioned data set's data.file, an explicit data
    /// directory (--data-dir, else data.dir) — before anything is written, so a wrong path is bad
    /// input (exit 2) naming the key and the path, not a failure of a run already in the store. The
    /// data cache is left to <see cref="Ensure"/>, which fills it on first use.
    /// </summary>
    public static void Check(string? dataDirOption, FluteConfig config)
    {
        if (config.Data.Dataset == "partitioned")
        {
            if (!File.Exists(config.Data.File))
                throw new UsageException($"data.file: no such file '{Path.GetFullPath(config.Data.File)}'");
            return;
        }
        IDatasetSource source = Components.Datasets.Create(config.Data.Dataset, config.Data);
        if (!source.FetchesFiles) return;
        (string? dataDir, string key) = dataDirOption is not null ? (dataDirOption, "--data-dir") : (config.Data.Dir, "data.dir");
        if (string.IsNullOrWhiteSpace(dataDir)) return;
        try
        {
            // With a directory given, Ensure only looks: it never fetches or writes.
            source.Locate(dataDir, TextWriter.Null);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            throw new UsageException($"{key}: {e.Message}");
        }
    }

    public static DataLocation Ensure(string? dataDirOption, FluteConfig config)
    {
        // A generated data set has no files: nothing to fetch.
        IDatasetSource source = Components.Datasets.Create(config.Data.Dataset, config.Data);
        if (!source.FetchesFiles) return new DataLocation(".", 0);
        string? dataDir = dataDirOption ?? (config.Data.Dir.Length > 0 ? config.Data.Dir : null);
        try
        {
            return source.Locate(dataDir, Console.Out);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new UsageException(e.Message);
        }
    }
}

/// <summary>The virtual clock's trace files (devices.trace, devices.availability).</summary>
internal static class DeviceFiles
{
    /// <summary>
    /// Reads every line of the trace files once before anything is written, so a missing file or a bad
    /// line is bad input (exit 2) naming the file and line, not a failed run in the store.
    /// </summary>
    public static void Check(FluteConfig config)
    {
        try
        {
            using DeviceClock? clock = DeviceClock.From(config);
        }
        catch (FormatException e)
        {
            throw new UsageException($"devices: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"devices: {e.Message}");
        }
    }
}

/// <summary>Taking an experiment's lock with one-line messages.</summary>
internal static class Locks
{
    public static async Task<IExperimentLock> AcquireAsync(ExperimentStore store, string id)
    {
        try
        {
            return await store.AcquireLockAsync(id, message => Console.WriteLine(message));
        }
        catch (ExperimentLockedException e)
        {
            throw new UsageException($"{e.Message}: another run or resume of it is active; wait for it, or pause it with './flute pause {id}'");
        }
    }
}
