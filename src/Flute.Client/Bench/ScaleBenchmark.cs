using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Flute.Client.Cli;

namespace Flute.Client.Bench;

/// <summary>
/// <c>flute bench scale [--populations N,N] [--cohorts K,K] [--rounds R (12)] [--json FILE]</c>: logistic
/// regression on the lazy <c>synthetic</c> data set for each population and cohort, each run in its
/// own <c>flute run</c> process (so peak RSS is the run's own). Two runs per pair: with local training
/// (one epoch), for per-round time, memory and grain activations; and with <c>client.local_epochs 0</c>,
/// the zero-step trainer — the whole grain path (sampling, activation, request, model cache, payload,
/// fold) with no SGD step — whose median round time / cohort is the orchestration overhead per
/// sampled client. Persistence is off (--storage none) so the figures are the engine's alone.
/// </summary>
public static class ScaleBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        long[] populations = [1_000_000, 10_000_000];
        int[] cohorts = [1_000, 10_000];
        int rounds = 12;
        string? json = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--populations": populations = [.. List(OptionValues.Next(args, ref i, "bench scale"), "--populations").Select(long.Parse)]; break;
                case "--cohorts": cohorts = [.. List(OptionValues.Next(args, ref i, "bench scale"), "--cohorts").Select(int.Parse)]; break;
                case "--rounds":
                    string r = OptionValues.Next(args, ref i, "bench scale");
                    rounds = int.TryParse(r, out int n) && n >= 1 ? n : throw new UsageException($"bench scale: --rounds: expected an integer ≥ 1, found '{r}'");
                    break;
                case "--json": json = OptionValues.Next(args, ref i, "bench scale"); break;
                default: throw new UsageException($"bench scale: unknown option '{args[i]}'");
            }
        }
        string binary = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find the flute binary");
        string work = Directory.CreateTempSubdirectory("flute-bench-scale-").FullName;
        var rows = new List<Dictionary<string, object>>();
        Console.WriteLine($"{"population",12} {"cohort",7} {"trainer",10} {"s/round",8} {"peak RSS MB",12} {"activations/round",18} {"max alive after",16} {"µs/client",10} {"first half",10}");
        try
        {
            foreach (long population in populations)
            {
                foreach (int cohort in cohorts)
                {
                    foreach (bool zeroStep in new[] { false, true })
                    {
                        var row = await RunOneAsync(binary, work, population, cohort, rounds, zeroStep);
                        rows.Add(row);
                        Console.WriteLine($"{population,12:N0} {cohort,7:N0} {(zeroStep ? "zero-step" : "1 epoch"),10} {row["seconds_per_round"],8:0.000} {row["peak_rss_mb"],12:0} " +
                                          $"{row["activations_per_round"],18:0} {row["max_alive_after"],16} {row["microseconds_per_client"],10:0.0} {row["first_half_microseconds_per_client"],10:0.0}");
                    }
                }
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        Console.WriteLine("µs/client = the median round of the second half of the rounds (steady state) / cohort; for the zero-step rows it is the orchestration");
        Console.WriteLine("overhead per sampled client. 'first half' = the same over the first half: the .NET JIT tiers up Orleans' and Flute's hot paths over the first ~50,000 calls.");
        if (json is not null)
        {
            File.WriteAllText(json, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
            Console.Error.WriteLine($"wrote {json}");
        }
        return ExitCodes.Ok;
    }

    private static async Task<Dictionary<string, object>> RunOneAsync(string binary, string work, long population, int cohort, int rounds, bool zeroStep)
    {
        string id = $"scale-{population}-{cohort}-{(zeroStep ? "zero" : "train")}";
        string config = Path.Combine(work, id + ".yaml");
        File.WriteAllText(config, $$"""
            experiment: {name: scale, seed: 1, rounds: {{rounds}}}
            data: {dataset: synthetic, num_clients: {{population}}, alpha: 1, beta: 1, max_samples_per_client: 1000}
            model: {name: logreg}
            client: {lr: 0.01, batch_size: 10, local_epochs: {{(zeroStep ? 0 : 1)}}}
            server: {clients_per_round: {{cohort}}, eval_every: 0}
            """);
        string output = Path.Combine(work, id);
        var start = new ProcessStartInfo(binary, ["run", config, "--id", id, "--out", output, "--storage", "none"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = work,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"bench scale: {id} exited {process.ExitCode}: {(await stderr).Trim()} {(await stdout).Trim()}");

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "summary.json")));
        double roundsSeconds = summary.RootElement.GetProperty("rounds_seconds").GetDouble();
        double rss = summary.RootElement.GetProperty("peak_rss_mb").GetDouble();
        // Training rounds only: round 0 is the initial model's evaluation, with no clients.
        var metrics = File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(m => m.GetProperty("round").GetInt32() > 0).ToList();
        double[] inOrder = [.. metrics.Select(m => m.GetProperty("seconds").GetDouble())];
        int half = inOrder.Length / 2;
        double steady = Median(inOrder[half..]);
        double firstHalf = Median(inOrder[..Math.Max(1, half)]);
        return new Dictionary<string, object>
        {
            ["population"] = population,
            ["cohort"] = cohort,
            ["trainer"] = zeroStep ? "zero-step" : "1 epoch",
            ["rounds"] = rounds,
            ["seconds_per_round"] = steady,
            ["rounds_seconds"] = roundsSeconds,
            ["peak_rss_mb"] = rss,
            ["activations_per_round"] = metrics.Average(m => m.GetProperty("activations").GetInt64()),
            ["max_alive_after"] = metrics.Max(m => m.GetProperty("alive_after").GetInt64()),
            // Steady state: the median round of the second half. The first rounds run while the JIT
            // is still tiering up the call path (measured: 0.7-1.0 s rounds settling to 0.3-0.4 s after
            // about 5 rounds of 10,000 clients), which a long experiment pays once.
            ["microseconds_per_client"] = steady / cohort * 1e6,
            ["first_half_microseconds_per_client"] = firstHalf / cohort * 1e6,
        };
    }

    private static double Median(double[] values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string[] List(string value, string option)
    {
        string[] parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (string p in parts)
        {
            if (!long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out long v) || v < 1)
                throw new UsageException($"bench scale: {option}: expected positive integers separated by commas, found '{value}'");
        }
        return parts;
    }
}
