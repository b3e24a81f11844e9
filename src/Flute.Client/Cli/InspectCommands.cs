using System.Globalization;
using Flute.Core.Configuration;
using Flute.Core.Persistence;
using Flute.Grains.Storage;
using Flute.Grains.Torch;
using Flute.Interfaces;

namespace Flute.Client.Cli;

/// <summary><c>flute list</c>, <c>flute status ID</c> and <c>flute export ID</c>: read the store directly, no silo.</summary>
public static class InspectCommands
{
    public static async Task<int> ListAsync(string[] args)
    {
        var storageArgs = new StorageArguments(withCluster: true);
        for (int i = 0; i < args.Length; i++)
        {
            if (!storageArgs.TryParse(args, ref i)) throw new UsageException($"list: unknown argument '{args[i]}'");
        }
        ExperimentStore store = ExperimentStore.Open(await storageArgs.ResolveAsync());
        IReadOnlyList<string> ids = await store.ListIdsAsync();
        Console.WriteLine($"store: {store.Location}");
        if (ids.Count == 0)
        {
            Console.WriteLine("no experiments");
            return ExitCodes.Ok;
        }
        Console.WriteLine($"{"ID",-32} {"STATUS",-9} {"ROUNDS",-11} {"LOSS",-8} {"ACC",-7} UPDATED (UTC)");
        foreach (string id in ids)
        {
            ExperimentState? s;
            try
            {
                s = await store.ReadStateAsync(id);
            }
            catch (CorruptCheckpointException e)
            {
                Console.WriteLine($"{id,-32} corrupt   {e.Message}");
                continue;
            }
            if (s is null) continue; // blobs of a run that crashed before its first commit
            Console.WriteLine($"{id,-32} {Status(s),-9} {$"{s.RoundCompleted}/{s.TotalRounds}",-11} {F(s.LastRound?.TrainLoss),-8} {F(s.LastEvaluated?.TestAccuracy),-7} {s.UpdatedAtUtc:yyyy-MM-dd HH:mm:ss}");
        }
        return ExitCodes.Ok;
    }

    public static async Task<int> StatusAsync(string[] args)
    {
        (string id, StorageArguments storageArgs) = IdAndStorage(args, "status");
        ExperimentStore store = ExperimentStore.Open(await storageArgs.ResolveAsync());
        ExperimentState s = await store.ReadStateAsync(id) ?? throw new UsageException($"no experiment '{id}' in {store.Location}");
        IReadOnlyList<int> kept = await new CheckpointWriter(store.Checkpoints).ListRoundsAsync(id);
        FluteConfig config = ConfigJson.Deserialize(s.ConfigJson);
        Console.WriteLine($"experiment   {id}");
        Console.WriteLine($"status       {Status(s)}{(s.Error is null ? "" : $": {s.Error}")}");
        Console.WriteLine($"rounds       {s.RoundCompleted}/{s.TotalRounds} committed");
        if (s.LastRound is { } last)
            Console.WriteLine($"last round   {last.Round}: train_loss {F(last.TrainLoss)}, {last.Clients}/{last.Sampled} clients");
        if (s.LastEvaluated is { } eval)
            Console.WriteLine($"last eval    round {eval.Round}: test_accuracy {F(eval.TestAccuracy)}, test_loss {F(eval.TestLoss)}" +
                              (eval.ValidationAccuracy is null ? "" : $", val_accuracy {F(eval.ValidationAccuracy)}, val_loss {F(eval.ValidationLoss)}"));
        if (s.BestRound > 0)
            Console.WriteLine($"best         round {s.BestRound} (val_{config.Storage.BestMetric} {F(s.BestValue)})");
        Console.WriteLine($"kept rounds  {(kept.Count == 0 ? "none" : string.Join(", ", kept))}");
        Console.WriteLine($"model        {s.ModelSha256} (version {s.ModelVersion})");
        Console.WriteLine($"config       {config.Model.Name} on {config.Data.Dataset}/{config.Data.Partition}, seed {config.Experiment.Seed}, result hash {s.ConfigResultHash[..Math.Min(16, s.ConfigResultHash.Length)]}");
        if (s.ForkedFrom is not null) Console.WriteLine($"started from {s.ForkedFrom}");
        foreach (string branch in s.ConfigBranches) Console.WriteLine($"config branch {branch}");
        if (s.Fingerprint is { } f)
            Console.WriteLine($"compute      {f.Compute} on {f.Cpu} ({f.IsaFlags}), libtorch {f.Libtorch}, {f.Trainers} trainer(s) × {f.ThreadsPerTrainer} thread(s); " +
                              $"ATEN_CPU_CAPABILITY {f.AtenCpuCapability ?? "unset"}, MKL_CBWR {f.MklCbwr ?? "unset"}, MKL_ENABLE_INSTRUCTIONS {f.MklEnableInstructions ?? "unset"}, ONEDNN_MAX_CPU_ISA {f.OnednnMaxCpuIsa ?? "unset"}");
        Console.WriteLine($"build        {s.BuildVersion}");
        Console.WriteLine($"outputs      {s.OutputDirectory}");
        Console.WriteLine($"store        {store.Location} (state {store.LocateState(id)})");
        Console.WriteLine($"updated      {s.UpdatedAtUtc:yyyy-MM-dd HH:mm:ss} UTC");
        return ExitCodes.Ok;
    }

    public static async Task<int> ExportAsync(string[] args)
    {
        string? id = null, roundText = null, format = null, output = null;
        var storageArgs = new StorageArguments(withCluster: true);
        for (int i = 0; i < args.Length; i++)
        {
            if (storageArgs.TryParse(args, ref i)) continue;
            switch (args[i])
            {
                case "--round": roundText = OptionValues.Next(args, ref i); break;
                case "--format": format = OptionValues.Next(args, ref i); break;
                case "--out": output = OptionValues.Next(args, ref i); break;
                default:
                    if (args[i].StartsWith('-')) throw new UsageException($"export: unknown option '{args[i]}'");
                    id = id is null ? ExperimentIds.Check(args[i], "export") : throw new UsageException("export: one experiment id expected");
                    break;
            }
        }
        if (id is null) throw new UsageException("export: missing experiment ID");
        if (format is null) throw new UsageException("export: missing --format torchsharp|pytorch");
        if (output is null) throw new UsageException("export: missing --out FILE");
        ExportFormat exportFormat;
        try
        {
            exportFormat = ModelExporter.Parse(format);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--format: {e.Message}");
        }

        ExperimentStore store = ExperimentStore.Open(await storageArgs.ResolveAsync());
        ExperimentState s = await store.ReadStateAsync(id) ?? throw new UsageException($"no experiment '{id}' in {store.Location}");
        int round = roundText switch
        {
            null or "latest" => s.RoundCompleted,
            "best" => s.BestRound > 0 ? s.BestRound : throw new UsageException($"experiment '{id}' has no best model (it needs data.validation_fraction > 0 and an evaluated round)"),
            _ => int.TryParse(roundText, NumberStyles.None, CultureInfo.InvariantCulture, out int r) ? r : throw new UsageException($"--round: expected a round number, 'latest' or 'best', found '{roundText}'"),
        };
        if (round > s.RoundCompleted)
            throw new UsageException($"--round {round}: experiment '{id}' has committed {s.RoundCompleted} rounds");
        var writer = new CheckpointWriter(store.Checkpoints);
        LoadedCheckpoint loaded = await writer.LoadRoundAsync(id, round)
            ?? throw new UsageException($"round {round} of experiment '{id}' is not kept (kept rounds: {string.Join(", ", await writer.ListRoundsAsync(id))}; storage.snapshot_every keeps more)");
        FluteConfig config = ConfigJson.Deserialize(s.ConfigJson);
        ModelSpec spec = ModelSpecs.For(config);
        ModelExporter.Export(spec, loaded.Weights, exportFormat, output);
        Console.WriteLine($"exported {id} round {round} ({config.Model.Name}, {loaded.Weights.Length:N0} parameters) as {format} to {output}");
        return ExitCodes.Ok;
    }

    private static (string Id, StorageArguments Storage) IdAndStorage(ReadOnlySpan<string> args, string command)
    {
        string? id = null;
        var storageArgs = new StorageArguments(withCluster: true);
        for (int i = 0; i < args.Length; i++)
        {
            if (storageArgs.TryParse(args, ref i)) continue;
            if (args[i].StartsWith('-')) throw new UsageException($"{command}: unknown option '{args[i]}'");
            id = id is null ? ExperimentIds.Check(args[i], command) : throw new UsageException($"{command}: one experiment id expected");
        }
        return (id ?? throw new UsageException($"{command}: missing experiment ID"), storageArgs);
    }

    private static string Status(ExperimentState s) => s.Status.ToString().ToLowerInvariant();

    private static string F(double? value) =>
        value is double v && double.IsFinite(v) ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "-";
}
