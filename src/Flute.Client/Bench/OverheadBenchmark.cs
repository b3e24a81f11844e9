using Flute.Client.Cli;
using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Data.Mnist;
using Flute.Grains.Hosting;
using Flute.Grains.Torch;

namespace Flute.Client.Bench;

/// <summary>
/// <c>flute bench overhead</c>: for each config, Flute's rounds seconds (the real experiment grain on an
/// embedded silo) against a bare loop doing the same work (<see cref="BareFedAvgLoop"/>), alternating
/// Flute and bare, median of <c>--reps</c> each, plus a centralized loop of the same SGD steps for
/// information and the largest weight difference between Flute's and the bare loop's final model as
/// a sanity check. See docs/performance.md.
/// </summary>
public static class OverheadBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = OverheadOptions.Parse(args);
        IReadOnlyList<OverheadCase> cases = OverheadCase.Build(options);
        ApplyComputeMode(cases);
        MnistFiles files;
        try
        {
            files = MnistFetcher.Ensure(options.DataDir, Console.Error);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new UsageException(e.Message);
        }
        string dataDir = Path.GetFullPath(files.Directory);

        var rows = new List<OverheadRow>();
        for (int c = 0; c < cases.Count; c++)
        {
            try
            {
                rows.Add(await MeasureAsync(cases[c], $"[{c + 1}/{cases.Count}]", options.Reps, options.MinSeconds, dataDir));
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"flute: bench overhead: {cases[c].Label}: {e.Message}");
                return ExitCodes.Failed;
            }
            // Rewritten after every case, so an interrupted long benchmark keeps the rows it measured.
            if (options.JsonPath is string partial) OverheadReport.WriteJson(partial, OverheadReport.Json(rows, options.Reps, options.MinSeconds));
        }

        Console.Write(OverheadReport.Table(rows));
        if (options.JsonPath is string json) Console.Error.WriteLine($"wrote {json}");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Pins libtorch's dispatch to the configs' <c>silo.compute</c> before anything loads it, as
    /// <c>flute run</c> does; the benchmark runs in one process, so its configs must agree.
    /// </summary>
    private static void ApplyComputeMode(IReadOnlyList<OverheadCase> cases)
    {
        var modes = cases.Select(c => c.Config.Silo.Compute).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (modes.Count > 1)
            throw new UsageException($"bench overhead: the configs ask for silo.compute {string.Join(" and ", modes)}; one process computes in one mode, so benchmark them in separate runs");
        try
        {
            ComputeDispatch.Apply(ComputeModes.Parse(modes[0], "silo.compute"));
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new UsageException($"bench overhead: {e.Message}");
        }
    }

    private const int WarmupRounds = 3;

    /// <summary>Upper bound on repetitions when <c>--min-seconds</c> asks for more than <c>--reps</c>.</summary>
    private const int MaxReps = 25;

    private static async Task<OverheadRow> MeasureAsync(OverheadCase bench, string tag, int reps, double minSeconds, string dataDir)
    {
        FluteConfig config = bench.Config;
        int trainers = config.Silo.Trainers > 0 ? config.Silo.Trainers : Environment.ProcessorCount;
        int threads = config.Silo.ThreadsPerTrainer;
        Console.Error.WriteLine($"{tag} {bench.Label}: {config.Experiment.Rounds} rounds, {config.Server.ClientsPerRound} clients/round, " +
                                $"model {config.Model.Name}, {trainers} trainer(s) x {threads} thread(s); loading data, starting silo");
        // Loaded once, outside every timing; the silo's experiments load their own copy the same way.
        FederatedData data = FederatedDataFactory.Load(config.Data, dataDir, config.Experiment.Seed, Console.Error);
        var model = new ModelSpec(config.Model.Name, data.Train.SampleShape, data.Train.ClassCount, config.Model.Hidden);

        var fluteRuns = new List<double>();
        var bareRuns = new List<double>();
        double maxDiff = 0;
        long steps = 0;
        int parameters;
        await using (var flute = await EmbeddedFluteRunner.StartAsync(trainers, threads))
        using (var bare = new BareFedAvgLoop(config, data, model, trainers, threads))
        {
            parameters = bare.ParameterCount;
            // One short untimed run of each side first: JIT compilation and first-touch of buffers
            // are start-up costs, not per-round overhead, and would otherwise skew a 3-rep median.
            FluteConfig warmup = ConfigJson.Deserialize(ConfigJson.Serialize(config));
            warmup.Experiment.Rounds = Math.Min(config.Experiment.Rounds, WarmupRounds);
            await flute.RunAsync(warmup, dataDir);
            using (var bareWarmup = new BareFedAvgLoop(warmup, data, model, trainers, threads)) bareWarmup.Run();
            Console.Error.WriteLine($"{tag} {bench.Label}: warmed up ({warmup.Experiment.Rounds} rounds each, not counted)");
            // At least `reps` repetitions, and more (up to MaxReps) until each side has run for
            // `minSeconds`: a sub-second case then gets a median of many alternations instead of
            // three, which this machine's noise cannot pin down.
            for (int rep = 1; rep <= reps || (rep <= MaxReps && Math.Min(fluteRuns.Sum(), bareRuns.Sum()) < minSeconds); rep++)
            {
                var (fluteSeconds, fluteWeights) = await flute.RunAsync(config, dataDir);
                fluteRuns.Add(fluteSeconds);
                Console.Error.WriteLine($"{tag} {bench.Label} rep {rep}: flute {fluteSeconds:0.000} s");

                var (bareSeconds, bareWeights, bareSteps) = bare.Run();
                bareRuns.Add(bareSeconds);
                steps = bareSteps;
                double diff = OverheadRow.MaxAbsDiff(fluteWeights, bareWeights);
                maxDiff = double.IsNaN(diff) || double.IsNaN(maxDiff) ? double.NaN : Math.Max(maxDiff, diff);
                Console.Error.WriteLine($"{tag} {bench.Label} rep {rep}: bare  {bareSeconds:0.000} s, max |dw| {diff:0.0e+0}");
            }
        }

        // For information only, so measured once: the same SGD steps on one thread, no federation.
        Console.Error.WriteLine($"{tag} {bench.Label}: centralized, {steps} SGD steps on one thread");
        double centralized = CentralizedLoop.Run(config, data, model, threads, steps);
        Console.Error.WriteLine($"{tag} {bench.Label}: centralized {centralized:0.000} s");

        return new OverheadRow(bench.Label, config.Experiment.Rounds, config.Server.ClientsPerRound, trainers, threads, parameters, steps,
            OverheadRow.Median(fluteRuns), OverheadRow.Median(bareRuns), centralized, maxDiff, fluteRuns, bareRuns);
    }
}
