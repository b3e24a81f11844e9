using Flute.Client.Dashboard;
using Flute.Core.Persistence;

namespace Flute.Client.Cli;

/// <summary>The options of <c>flute run</c>.</summary>
public sealed record RunArguments(
    string ConfigPath,
    string? Id,
    string? OutDir,
    ulong? Seed,
    string? DataDir,
    IReadOnlyList<string> Overrides,
    StorageArguments Storage)
{
    /// <summary>--cluster local|CONNECTION [--cluster-id ID]: run on a silo cluster instead of an embedded silo.</summary>
    public ClusterArguments Cluster { get; init; } = new();

    /// <summary>--strict-fingerprint: refuse (exit 2) instead of warning when a silo's compute fingerprint differs.</summary>
    public bool StrictFingerprint { get; init; }

    /// <summary>--tensorboard: also write TensorBoard event files under the run directory's tensorboard/.</summary>
    public bool TensorBoard { get; init; }

    /// <summary>--dashboard PORT [--dashboard-address IP]: serve the live dashboard while the experiment runs.</summary>
    public DashboardArguments Dashboard { get; init; } = new();

    public static RunArguments Parse(ReadOnlySpan<string> args)
    {
        string? config = null, id = null, outDir = null, dataDir = null;
        ulong? seed = null;
        var overrides = new List<string>();
        var storage = new StorageArguments();
        var cluster = new ClusterArguments();
        var dashboard = new DashboardArguments();
        bool strict = false, tensorBoard = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (storage.TryParse(args, ref i) || cluster.TryParse(args, ref i) || dashboard.TryParse(args, ref i)) continue;
            switch (arg)
            {
                case "--id": id = ExperimentIds.Check(OptionValues.Next(args, ref i), "--id"); break;
                case "--out": outDir = OptionValues.Next(args, ref i); break;
                case "--data-dir": dataDir = OptionValues.Next(args, ref i); break;
                case "--set": overrides.Add(OptionValues.Next(args, ref i)); break;
                case "--portable": overrides.Add("silo.compute=portable"); break;
                case "--strict-fingerprint": strict = true; break;
                case "--tensorboard": tensorBoard = true; break;
                case "--seed":
                    string s = OptionValues.Next(args, ref i);
                    seed = ulong.TryParse(s, out ulong v) ? v : throw new UsageException($"--seed: expected a non-negative integer, found '{s}'");
                    break;
                default:
                    if (arg.StartsWith('-')) throw new UsageException($"run: unknown option '{arg}'");
                    if (config is not null) throw new UsageException($"run: one config file expected, found '{config}' and '{arg}'");
                    config = arg;
                    break;
            }
        }
        if (config is null) throw new UsageException("run: missing CONFIG (e.g. flute run examples/mnist-cnn.yaml)");
        if (seed is ulong n) overrides.Insert(0, $"experiment.seed={n}");
        return new RunArguments(config, id, outDir, seed, dataDir, overrides, storage) { Cluster = cluster, StrictFingerprint = strict, TensorBoard = tensorBoard, Dashboard = dashboard };
    }
}

/// <summary>Checks experiment ids given on the command line against <see cref="ExperimentId"/>'s rule.</summary>
public static class ExperimentIds
{
    public static string Check(string id, string option) =>
        ExperimentId.IsValid(id)
            ? id
            : throw new UsageException($"{option}: expected {ExperimentId.Description}, found '{id}'");
}
