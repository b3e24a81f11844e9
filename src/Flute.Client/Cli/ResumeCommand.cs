using Flute.Client.Dashboard;
using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Persistence;
using Flute.Grains.Storage;
using Flute.Interfaces;

namespace Flute.Client.Cli;

/// <summary>
/// <c>flute resume ID [--rounds N] [--config FILE] [--set k=v ...] [--force-config]</c> continues an
/// experiment from its last committed round; <c>--from-round R --id NEW</c> starts a new experiment
/// from a kept round (a snapshot, the best model, or one of the latest) of ID.
/// </summary>
public static class ResumeCommand
{
    public static async Task<int> ExecuteAsync(string[] args)
    {
        string? id = null, newId = null, configPath = null, outDir = null, dataDir = null;
        int? rounds = null, fromRound = null;
        bool force = false, strict = false, tensorBoard = false;
        var overrides = new List<string>();
        var storageArgs = new StorageArguments();
        var clusterArgs = new ClusterArguments();
        var dashboardArgs = new DashboardArguments();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (storageArgs.TryParse(args, ref i) || clusterArgs.TryParse(args, ref i) || dashboardArgs.TryParse(args, ref i)) continue;
            switch (arg)
            {
                case "--rounds": rounds = PositiveInt(OptionValues.Next(args, ref i), "--rounds", min: 1); break;
                case "--from-round": fromRound = PositiveInt(OptionValues.Next(args, ref i), "--from-round", min: 0); break;
                case "--id": newId = ExperimentIds.Check(OptionValues.Next(args, ref i), "--id"); break;
                case "--config": configPath = OptionValues.Next(args, ref i); break;
                case "--set": overrides.Add(OptionValues.Next(args, ref i)); break;
                case "--force-config": force = true; break;
                case "--strict-fingerprint": strict = true; break;
                case "--tensorboard": tensorBoard = true; break;
                case "--out": outDir = OptionValues.Next(args, ref i); break;
                case "--data-dir": dataDir = OptionValues.Next(args, ref i); break;
                default:
                    if (arg.StartsWith('-')) throw new UsageException($"resume: unknown option '{arg}'");
                    if (id is not null) throw new UsageException($"resume: one experiment id expected, found '{id}' and '{arg}'");
                    id = ExperimentIds.Check(arg, "resume");
                    break;
            }
        }
        if (id is null) throw new UsageException("resume: missing experiment ID (see './flute list')");
        if (fromRound is not null && newId is null) throw new UsageException("resume: --from-round R starts a new experiment: give its id with --id NEW");
        if (newId is not null && fromRound is null) throw new UsageException("resume: --id NEW needs --from-round R (the round of ID to start from)");
        bool fork = fromRound is not null;
        string target = newId ?? id;

        ClusterTarget? clusterTarget = clusterArgs.Resolve();
        DashboardEndpoint? dashboard = dashboardArgs.Resolve();
        await using ClusterConnection? cluster = clusterTarget is null ? null : await ClusterConnection.ConnectAsync(clusterTarget, dashboard);
        FluteStorageOptions storage = cluster is null
            ? storageArgs.Resolve()
            : cluster.Storage(await cluster.SilosAsync(), storageArgs, null);
        ExperimentStore store = ExperimentStore.Open(storage);
        Console.WriteLine($"experiment {target} (store: {store.Location})");
        ExperimentState source = await store.ReadStateAsync(id)
            ?? throw new UsageException($"no experiment '{id}' in {store.Location} (see './flute list{storageArgs.Echo()}')");

        FluteConfig stored = ConfigJson.Deserialize(source.ConfigJson);
        FluteConfig proposed = configPath is not null
            ? ConfigLoader.Load(configPath, overrides)
            : overrides.Count > 0 ? ConfigLoader.LoadText(source.ConfigJson, $"stored config of {id}", overrides) : stored;
        IReadOnlyList<string> differences = ConfigJson.ResultDifferences(stored, proposed);
        if (differences.Count > 0 && !force)
        {
            throw new UsageException(
                $"resume: the config differs from the one experiment '{id}' ran with in {string.Join(", ", differences)}; " +
                "a resume must compute the same model (only experiment.rounds and speed or storage keys may change) — pass --force-config to continue as a recorded new branch");
        }
        if (differences.Count > 0) Console.WriteLine($"config changed in {string.Join(", ", differences)} (--force-config): recorded as a new branch");

        int total = rounds ?? (configPath is not null ? proposed.Experiment.Rounds : source.TotalRounds);
        if (fork)
        {
            total = rounds ?? Math.Max(source.TotalRounds, fromRound!.Value);
            if (total < fromRound!.Value) throw new UsageException($"resume: --rounds {total} is below --from-round {fromRound}");
        }
        else
        {
            if (total < source.RoundCompleted)
                throw new UsageException($"resume: --rounds {total} is below the {source.RoundCompleted} rounds experiment '{id}' has committed");
            if (total == source.RoundCompleted && source.Status == ExperimentStatus.Finished)
                throw new UsageException($"experiment '{id}' has finished all {total} rounds; pass --rounds N (more than {total}) to extend it");
        }
        proposed.Experiment.Rounds = total;
        string currentBuild = typeof(ExperimentState).Assembly.GetName().Version?.ToString() ?? "unknown";
        if (source.BuildVersion.Length > 0 && source.BuildVersion != currentBuild)
            Console.WriteLine($"warning: experiment '{id}' was written by build {source.BuildVersion}, this is {currentBuild}: bitwise equality with an uninterrupted run is guaranteed only on the same build");

        var run = new ResumeRun(store, storage, storageArgs, source, id, proposed, total, differences, dataDir)
        {
            NewId = newId,
            FromRound = fromRound,
            Strict = strict,
            OutDir = outDir,
        };
        return await ContinueAsync(run, cluster, plan => plan with { ClusterEcho = clusterArgs.Echo(), TensorBoard = tensorBoard, Dashboard = dashboard });
    }

    /// <summary>
    /// Checks where the experiment will compute against where it did, takes its lock, makes sure the
    /// data is there, and continues it (or starts the fork); <paramref name="adjust"/> places the
    /// session (a shared silo for a sweep) and labels its output.
    /// </summary>
    internal static async Task<int> ContinueAsync(ResumeRun run, ClusterConnection? cluster, Func<SessionPlan, SessionPlan> adjust)
    {
        bool fork = run.FromRound is not null;
        string target = run.NewId ?? run.Id;
        ExperimentState source = run.Source;
        FluteConfig proposed = run.Config;
        // A fork is a new experiment: it records where it computes; a resume compares with where it did.
        ComputeFingerprint? recorded = fork ? null : source.Fingerprint;
        ComputeFingerprint? fingerprint;
        if (cluster is null)
        {
            fingerprint = FingerprintCheck.Embedded(proposed);
            FingerprintCheck.Compare(recorded, fingerprint, run.Strict, Console.Error);
        }
        else
        {
            fingerprint = FingerprintCheck.Cluster(await cluster.SilosAsync(), recorded, proposed, run.Strict, Console.Error);
        }

        string output = Path.GetFullPath(run.OutDir ?? (fork || source.OutputDirectory.Length == 0 ? Path.Combine("runs", target) : source.OutputDirectory));
        DataFiles.Check(run.DataDir, proposed);
        DeviceFiles.Check(proposed);
        IExperimentLock experimentLock = await Locks.AcquireAsync(run.Store, target);
        try
        {
            if (fork && await run.Store.ReadStateAsync(target) is not null)
                throw new UsageException($"experiment '{target}' already exists in {run.Store.Location}; choose another --id");
            DataLocation files = DataFiles.Ensure(run.DataDir, proposed);
            var spec = new ExperimentSpec(target, ConfigJson.Serialize(proposed), Path.GetFullPath(files.Directory)) { OutputDirectory = output, Fingerprint = fingerprint };
            var request = new ResumeRequest(spec, run.TotalRounds, run.Differences, fork ? run.Id : null, run.FromRound ?? 0);
            return await RunSession.ExecuteAsync(adjust(new SessionPlan(
                spec, proposed, run.TotalRounds, run.Storage, run.StorageArguments, experimentLock, files.FetchSeconds,
                IsResume: true, Start: grain => grain.ResumeAsync(request))
            {
                Cluster = cluster,
            }));
        }
        finally
        {
            await experimentLock.DisposeAsync();
        }
    }

    private static int PositiveInt(string value, string option, int min) =>
        int.TryParse(value, out int n) && n >= min ? n : throw new UsageException($"{option}: expected an integer ≥ {min}, found '{value}'");
}

/// <summary>
/// An experiment to continue from its store state: its validated config and round target, the
/// result-affecting config differences (recorded as a branch), and, for a fork, the new id and round.
/// </summary>
internal sealed record ResumeRun(
    ExperimentStore Store, FluteStorageOptions Storage, StorageArguments StorageArguments, ExperimentState Source,
    string Id, FluteConfig Config, int TotalRounds, IReadOnlyList<string> Differences, string? DataDir)
{
    public string? NewId { get; init; }
    public int? FromRound { get; init; }
    public bool Strict { get; init; }
    public string? OutDir { get; init; }
}
