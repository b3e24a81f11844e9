using System.Globalization;
using System.Text.Json;
using Flute.Client.Cli;
using Flute.Core.Configuration;
using Flute.Core.Persistence;
using Flute.Core.Data.Mnist;
using Flute.Grains.Storage;

namespace Flute.Client.Bench;

/// <summary>
/// <c>flute bench persistence [CONFIG] [--reps N] [--set k=v ...] [--store DIR] [--json FILE]</c>: the
/// same experiment with every round committed to the local store and with persistence off
/// (<c>--storage none</c>), alternating, one silo each, the grain's rounds_seconds (evaluation
/// excluded) compared by median. Also checks that both give the same model bits. docs/performance.md.
/// </summary>
public static class PersistenceBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        string configPath = "examples/mnist-cnn.yaml";
        int reps = 3;
        string? json = null, store = null, dataDir = null;
        var overrides = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--reps":
                    string r = OptionValues.Next(args, ref i, "bench persistence");
                    reps = int.TryParse(r, out int n) && n >= 1 ? n : throw new UsageException($"bench persistence: --reps: expected an integer ≥ 1, found '{r}'");
                    break;
                case "--set": overrides.Add(OptionValues.Next(args, ref i, "bench persistence")); break;
                case "--json": json = OptionValues.Next(args, ref i, "bench persistence"); break;
                case "--store": store = OptionValues.Next(args, ref i, "bench persistence"); break;
                case "--data-dir": dataDir = OptionValues.Next(args, ref i, "bench persistence"); break;
                default:
                    if (args[i].StartsWith('-')) throw new UsageException($"bench persistence: unknown option '{args[i]}'");
                    configPath = args[i];
                    break;
            }
        }
        FluteConfig config = ConfigLoader.Load(configPath, overrides);
        string data = Path.GetFullPath(MnistFetcher.Ensure(dataDir ?? (config.Data.Dir.Length > 0 ? config.Data.Dir : null), Console.Error).Directory);
        string root = store ?? Directory.CreateTempSubdirectory("flute-bench-store-").FullName;
        bool removeRoot = store is null;
        var local = new FluteStorageOptions { Kind = StorageKind.Local, LocalDirectory = root };
        Console.Error.WriteLine($"bench persistence: {configPath}, {config.Experiment.Rounds} rounds, {reps} rep(s) per side, alternating; local store {root}");

        var none = new List<double>();
        var committed = new List<double>();
        string? shaNone = null, shaLocal = null;
        try
        {
            // One short run first, not counted: the process's first run pays JIT and allocator warm-up.
            FluteConfig warmup = ConfigLoader.Load(configPath, [.. overrides, $"experiment.rounds={Math.Min(config.Experiment.Rounds, 3)}"]);
            await using (var first = await EmbeddedFluteRunner.StartAsync(config.Silo.Trainers, config.Silo.ThreadsPerTrainer))
            {
                await first.RunAsync(warmup, data, "persistence-warmup");
            }
            for (int rep = 0; rep < reps; rep++)
            {
                // Alternate which side goes first, so drift on a busy machine hits both alike; a fresh
                // silo per run, so neither side inherits the other's warm (or cold) trainer threads.
                foreach (bool persisted in rep % 2 == 0 ? new[] { false, true } : [true, false])
                {
                    await using var silo = await EmbeddedFluteRunner.StartAsync(config.Silo.Trainers, config.Silo.ThreadsPerTrainer, persisted ? local : null);
                    (double seconds, float[] weights) = await silo.RunAsync(config, data, "persistence");
                    string sha = WeightsHash.Of(weights);
                    (persisted ? committed : none).Add(seconds);
                    if (persisted) shaLocal = sha; else shaNone = sha;
                    Console.Error.WriteLine($"  rep {rep + 1} {(persisted ? "local" : "none "),-5} rounds_seconds {seconds:0.000}");
                }
            }
        }
        finally
        {
            if (removeRoot) Directory.Delete(root, recursive: true);
        }

        double medianNone = Median(none), medianLocal = Median(committed), ratio = medianLocal / medianNone;
        Console.WriteLine($"{"storage",-8} {"median rounds_seconds",22} {"per round",10}");
        Console.WriteLine($"{"none",-8} {medianNone,22:0.000} {medianNone / config.Experiment.Rounds * 1000,8:0.0}ms");
        Console.WriteLine($"{"local",-8} {medianLocal,22:0.000} {medianLocal / config.Experiment.Rounds * 1000,8:0.0}ms");
        Console.WriteLine($"ratio local/none: {ratio:0.000} (target ≤ 1.10); same model bits: {(shaNone == shaLocal ? "yes" : "NO")}");
        if (json is not null)
        {
            var report = new Dictionary<string, object?>
            {
                ["config"] = configPath,
                ["rounds"] = config.Experiment.Rounds,
                ["reps"] = reps,
                ["none_seconds"] = none,
                ["local_seconds"] = committed,
                ["median_none"] = medianNone,
                ["median_local"] = medianLocal,
                ["ratio"] = ratio,
                ["same_model"] = shaNone == shaLocal,
            };
            File.WriteAllText(json, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
            Console.Error.WriteLine($"wrote {json}");
        }
        return shaNone == shaLocal ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
