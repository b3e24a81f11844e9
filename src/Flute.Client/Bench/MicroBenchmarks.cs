using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Flute.Client.Bench.Micro;
using Flute.Client.Cli;

namespace Flute.Client.Bench;

/// <summary>
/// <c>flute bench micro [--json FILE] [--filter NAME ...]</c>: BenchmarkDotNet micro-benchmarks of the hot
/// paths (payload codec, fixed-point fold, weight copies, trainer hop, grain fan-out, model cache), run
/// in-process with a short job, then a compact table of headline numbers (and JSON with <c>--json</c>).
/// </summary>
public static class MicroBenchmarks
{
    /// <summary>The benchmark classes, in the order they run.</summary>
    public static readonly Type[] Types =
    [
        typeof(PayloadCodecBenchmarks),
        typeof(UpdateCodecBenchmarks),
        typeof(SecureAggregationBenchmarks),
        typeof(FoldBenchmarks),
        typeof(WeightCopyBenchmarks),
        typeof(TrainerHopBenchmarks),
        typeof(GrainFanOutBenchmarks),
        typeof(ModelCacheBenchmarks),
    ];

    public static Task<int> RunAsync(string[] args)
    {
        MicroArguments arguments = MicroArguments.Parse(args);
        IConfig config = CreateConfig(arguments.Filters);
        BenchmarkRunInfo[] runs = Types
            .Select(type => BenchmarkConverter.TypeToBenchmarks(type, config))
            .Where(run => run.BenchmarksCases.Length > 0)
            .ToArray();
        if (runs.Length == 0)
        {
            throw new UsageException($"bench micro: no benchmark matches --filter {string.Join(", ", arguments.Filters)} (groups: {string.Join(", ", Groups())})");
        }

        Summary[] summaries = BenchmarkRunner.Run(runs);
        // The joined summary sorts its rows its own way; the compact table keeps the suite's order.
        List<Headline> headlines = [.. summaries
            .SelectMany(s => s.BenchmarksCases.Select(c => (Case: c, Headline: Headline.Of(s, c))))
            .OrderBy(x => Array.IndexOf(Types, x.Case.Descriptor.Type))
            .Select(x => x.Headline)
            .OfType<Headline>()];
        int expected = runs.Sum(run => run.BenchmarksCases.Length);

        PrintHeadlines(headlines);
        if (arguments.JsonPath is string path)
        {
            WriteJson(path, headlines);
            Console.WriteLine($"headline numbers written to {path}");
        }
        if (headlines.Count < expected)
        {
            Console.Error.WriteLine($"bench micro: {expected - headlines.Count} of {expected} benchmark(s) gave no result; see the log above");
            return Task.FromResult(ExitCodes.Failed);
        }
        return Task.FromResult(ExitCodes.Ok);
    }

    /// <summary>
    /// Short in-process runs: the benchmarks need this process's build (and its patched libtorch), and a
    /// suite of a dozen cases should take a couple of minutes on two cores.
    /// </summary>
    private static IConfig CreateConfig(IReadOnlyList<string> filters)
    {
        Job job = Job.ShortRun
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(5), logOutput: true))
            .WithId("ShortRun-InProcess");
        return ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(job)
            .AddColumn(new HeadlineColumn())
            .AddFilter(new SimpleFilter(benchmarkCase => Matches(benchmarkCase, filters)))
            .WithOptions(ConfigOptions.JoinSummary);
    }

    /// <summary>A case runs when there is no filter, or a filter names its group or is part of its Type.Method name.</summary>
    internal static bool Matches(BenchmarkCase benchmarkCase, IReadOnlyList<string> filters)
    {
        if (filters.Count == 0) return true;
        string name = $"{benchmarkCase.Descriptor.Type.Name}.{benchmarkCase.Descriptor.WorkloadMethod.Name}";
        return filters.Any(filter =>
            benchmarkCase.Descriptor.Categories.Contains(filter, StringComparer.OrdinalIgnoreCase)
            || name.Contains(filter, StringComparison.OrdinalIgnoreCase));
    }

    private static IEnumerable<string> Groups() =>
        Types.SelectMany(t => t.GetCustomAttributes(typeof(BenchmarkDotNet.Attributes.BenchmarkCategoryAttribute), false)
            .Cast<BenchmarkDotNet.Attributes.BenchmarkCategoryAttribute>()
            .SelectMany(a => a.Categories));

    private static void PrintHeadlines(IReadOnlyList<Headline> headlines)
    {
        Console.WriteLine();
        Console.WriteLine($"flute bench micro: {MachineLine()}");
        int width = Math.Max(10, headlines.Count == 0 ? 0 : headlines.Max(h => h.Name.Length));
        Console.WriteLine($"  {"benchmark".PadRight(width)}  {"headline",12}  {"mean/op",12}");
        foreach (Headline h in headlines)
        {
            Console.WriteLine($"  {h.Name.PadRight(width)}  {h.Display,12}  {FormatNanoseconds(h.MeanNanoseconds),12}");
        }
    }

    private static void WriteJson(string path, IReadOnlyList<Headline> headlines)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("benchmark", "micro");
        json.WriteStartObject("machine");
        json.WriteNumber("processor_count", Environment.ProcessorCount);
        json.WriteString("cpu", CpuModel());
        json.WriteBoolean("avx512", Avx512F.IsSupported);
        json.WriteString("os", RuntimeInformation.OSDescription);
        json.WriteString("runtime", RuntimeInformation.FrameworkDescription);
        json.WriteEndObject();
        json.WriteString("job", "BenchmarkDotNet ShortRun (3 warmup and 3 measured iterations), in-process");
        json.WriteStartObject("headline");
        foreach (Headline h in headlines) json.WriteNumber(h.Name, Math.Round(h.Value, 4));
        json.WriteEndObject();
        json.WriteStartArray("results");
        foreach (Headline h in headlines)
        {
            json.WriteStartObject();
            json.WriteString("name", h.Name);
            json.WriteNumber("value", Math.Round(h.Value, 4));
            json.WriteString("unit", h.Unit);
            json.WriteNumber("mean_ns", Math.Round(h.MeanNanoseconds, 3));
            json.WriteNumber("stddev_ns", Math.Round(h.StdDevNanoseconds, 3));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static string MachineLine() =>
        $"{Environment.ProcessorCount} cores, {CpuModel()}, AVX-512 {(Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? "yes" : "no")}, "
        + $"{RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}";

    private static string CpuModel()
    {
        const string cpuInfo = "/proc/cpuinfo";
        if (!File.Exists(cpuInfo)) return RuntimeInformation.ProcessArchitecture.ToString();
        string? line = File.ReadLines(cpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':') + 1)..].Trim();
    }

    private static string FormatNanoseconds(double ns) => ns switch
    {
        >= 1_000_000 => (ns / 1_000_000).ToString("F2", CultureInfo.InvariantCulture) + " ms",
        >= 1_000 => (ns / 1_000).ToString("F2", CultureInfo.InvariantCulture) + " µs",
        _ => ns.ToString("F1", CultureInfo.InvariantCulture) + " ns",
    };
}
