using System.Text.Json;
using Flute.Grains.Hosting;
using Flute.Interfaces;

namespace Flute.Client.Cli;

/// <summary><c>flute cluster status [--cluster local|CONNECTION] [--cluster-id ID] [--json]</c>: the cluster's silos as they report themselves.</summary>
public static class ClusterCommand
{
    public static async Task<int> ExecuteAsync(string[] args)
    {
        if (args.Length == 0 || args[0] != "status")
            throw new UsageException("cluster: expected 'cluster status [--cluster local|CONNECTION] [--cluster-id ID] [--json]'");
        var cluster = new ClusterArguments();
        bool json = false;
        string[] rest = args[1..];
        for (int i = 0; i < rest.Length; i++)
        {
            if (cluster.TryParse(rest, ref i)) continue;
            if (rest[i] == "--json") json = true;
            else throw new UsageException($"cluster status: unknown option '{rest[i]}'");
        }
        if (!cluster.IsSet)
        {
            var local = new ClusterArguments();
            int i = 0;
            local.TryParse(["--cluster", "local"], ref i);
            cluster = Merge(local, cluster);
        }
        ClusterTarget target = cluster.Resolve()!;
        await using ClusterConnection connection = await ClusterConnection.ConnectAsync(target);
        IReadOnlyList<SiloInfo> silos = await connection.SilosAsync();
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                cluster = target.ClusterId,
                silos = silos.Select(s => new
                {
                    name = s.Name,
                    address = s.Address,
                    device = s.Device,
                    trainers = s.Trainers,
                    threads_per_trainer = s.ThreadsPerTrainer,
                    client_grains_active = s.ClientGrainsActive,
                    client_activations = s.ClientActivations,
                    model_bytes_fetched = s.ModelBytesFetched,
                    pid = s.ProcessId,
                    experiments = s.Experiments,
                    server_of = s.ServerOf,
                    storage = s.StorageKind,
                    fingerprint = s.Fingerprint is null ? null : ComputeFingerprints.Fields(s.Fingerprint).ToDictionary(p => p.Key, p => p.Value),
                }),
            }));
            return ExitCodes.Ok;
        }
        Console.WriteLine($"{target.Describe()}: {silos.Count} silo(s), {silos.Sum(s => s.Trainers)} trainer(s), storage {silos[0].StorageKind} {silos[0].StorageDirectory}".TrimEnd());
        string[] header = ["name", "address", "device", "trainers", "clients active", "activations", "model bytes in", "pid", "server of", "data of"];
        var rows = silos.Select(s => new[]
        {
            s.Name, s.Address, s.Device, $"{s.Trainers}x{s.ThreadsPerTrainer}", s.ClientGrainsActive.ToString(), s.ClientActivations.ToString(),
            s.ModelBytesFetched.ToString(), s.ProcessId.ToString(), s.ServerOf.Count == 0 ? "-" : string.Join(",", s.ServerOf), s.Experiments.Count == 0 ? "-" : string.Join(",", s.Experiments),
        }).ToList();
        int[] widths = [.. header.Select((h, c) => Math.Max(h.Length, rows.Max(r => r[c].Length)))];
        Console.WriteLine(string.Join("  ", header.Select((h, c) => h.PadRight(widths[c]))).TrimEnd());
        foreach (var row in rows) Console.WriteLine(string.Join("  ", row.Select((v, c) => v.PadRight(widths[c]))).TrimEnd());
        return ExitCodes.Ok;
    }

    private static ClusterArguments Merge(ClusterArguments local, ClusterArguments given)
    {
        var args = new List<string> { "--cluster", "local" };
        if (given.ClusterId is { } id) args.AddRange(["--cluster-id", id]);
        if (given.TlsCertificate is { } cert) args.AddRange(["--tls-cert", cert]);
        if (given.TlsPassword is { } pw) args.AddRange(["--tls-password", pw]);
        var merged = new ClusterArguments();
        string[] array = [.. args];
        for (int i = 0; i < array.Length; i++) merged.TryParse(array, ref i);
        return merged;
    }
}
