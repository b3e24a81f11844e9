using System.Diagnostics;
using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Data.Partitioned;
using Flute.Core.Registry;

namespace Flute.Client.Cli;

/// <summary>
/// <c>flute data partition --dataset mnist --partition dirichlet --alpha 0.3 --clients 100000 --out FILE
/// [--seed N] [--shards-per-client N] [--data-dir DIR]</c>: partitions a data set once into a
/// <see cref="PartitionedFile"/>, which a config then names (data.dataset partitioned, data.file FILE).
/// Prints the build time, the file size, the number of empty clients and the per-client read cost.
/// </summary>
public static class DataCommand
{
    public static int Execute(string[] args)
    {
        if (args.Length > 0 && args[0] == "import") return DataImportCommand.Execute(args[1..]);
        if (args.Length == 0 || args[0] != "partition")
            throw new UsageException("data: expected 'data partition --dataset NAME --partition NAME --clients N --out FILE' or 'data import --train PATH --test PATH --out FILE'");
        var overrides = new List<string>();
        string? output = null, dataDir = null;
        for (int i = 1; i < args.Length; i++)
        {
            string key = args[i] switch
            {
                "--dataset" => "data.dataset",
                "--partition" => "data.partition",
                "--alpha" => "data.alpha",
                "--clients" => "data.num_clients",
                "--shards-per-client" => "data.shards_per_client",
                "--seed" => "experiment.seed",
                "--out" or "--data-dir" => "",
                _ => throw new UsageException($"data partition: unknown option '{args[i]}'"),
            };
            string option = args[i];
            string value = OptionValues.Next(args, ref i, "data partition");
            if (option == "--out") output = value;
            else if (option == "--data-dir") dataDir = value;
            else overrides.Add($"{key}={value}");
        }
        if (output is null) throw new UsageException("data partition: missing --out FILE");
        // A minimal config carries the options through the usual validation (one-line errors naming the key).
        FluteConfig config = ConfigLoader.LoadText("experiment:\n  rounds: 1\nserver:\n  clients_per_round: 1\n", "data partition", overrides);
        if (!Components.Datasets.Create(config.Data.Dataset, config.Data).FetchesFiles)
            throw new UsageException($"data partition: --dataset {config.Data.Dataset} is generated or already partitioned; partition a stored data set ({string.Join(", ", Components.Datasets.Names.Where(n => Components.Datasets.Create(n, config.Data).FetchesFiles))})");
        string directory = Path.GetDirectoryName(Path.GetFullPath(output))!;
        if (!Directory.Exists(directory)) throw new UsageException($"data partition: --out: directory {directory} does not exist");

        var clock = Stopwatch.StartNew();
        FederatedData data;
        try
        {
            data = FederatedDataFactory.Load(config.Data, dataDir ?? "", config.Experiment.Seed, Console.Error);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new UsageException(e.Message);
        }
        double partitionSeconds = clock.Elapsed.TotalSeconds;
        PartitionedFile.Write(output, data);
        double totalSeconds = clock.Elapsed.TotalSeconds;
        int empty = data.Clients.Count(c => c.Length == 0);

        using var file = PartitionedFile.Open(output);
        var random = new Random(1);
        const int probes = 1000;
        long samples = 0;
        var read = Stopwatch.StartNew();
        for (int p = 0; p < probes; p++) samples += file.ReadClient(random.NextInt64(file.Clients)).Count;
        double microsecondsPerClient = read.Elapsed.TotalMicroseconds / probes;

        Console.WriteLine($"wrote {output}: {data.Clients.Length:N0} clients ({empty:N0} empty) of {config.Data.Dataset} by {config.Data.Partition}, " +
                          $"{new FileInfo(output).Length / 1048576.0:0.0} MiB");
        Console.WriteLine($"build {totalSeconds:0.00} s (load and partition {partitionSeconds:0.00} s, write {totalSeconds - partitionSeconds:0.00} s); " +
                          $"reading one client: {microsecondsPerClient:0.0} µs on average ({probes} random clients, {samples / (double)probes:0.0} samples each)");
        Console.WriteLine($"use it with: data: {{dataset: partitioned, file: {output}, num_clients: {data.Clients.Length}}}");
        return ExitCodes.Ok;
    }
}
