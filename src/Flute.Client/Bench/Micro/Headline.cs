using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Flute.Client.Bench.Micro;

/// <summary>One headline number: e.g. <c>fold_1M</c> = 3.1 GB/s, from a mean of <see cref="MeanNanoseconds"/> per operation.</summary>
public sealed record Headline(string Name, double Value, string Unit, double MeanNanoseconds, double StdDevNanoseconds)
{
    /// <summary>The headline of a finished case, or null when it has no <see cref="HeadlineAttribute"/> or no result.</summary>
    public static Headline? Of(Summary summary, BenchmarkCase benchmarkCase)
    {
        HeadlineAttribute? attribute = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<HeadlineAttribute>();
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (attribute is null || statistics is null) return null;
        return From(attribute, CaseParameters(benchmarkCase), statistics.Mean, statistics.StandardDeviation);
    }

    /// <summary>Converts a mean time per operation into the attribute's unit; the name gets the parameter values appended.</summary>
    public static Headline From(HeadlineAttribute attribute, IReadOnlyList<(string Name, object Value)> parameters, double meanNs, double stdDevNs)
    {
        string name = string.Join('_', parameters.Select(p => FormatValue(p.Value)).Prepend(attribute.Key));
        (double value, string unit) = attribute.Unit switch
        {
            HeadlineUnit.GigabytesPerSecond => (FloatBytes(parameters, attribute.Key) / meanNs, "GB/s"),
            HeadlineUnit.Microseconds => (meanNs / 1_000, "µs"),
            HeadlineUnit.Nanoseconds => (meanNs, "ns"),
            _ => throw new ArgumentOutOfRangeException(nameof(attribute), attribute.Unit, "unknown unit"),
        };
        return new Headline(name, value, unit, meanNs, stdDevNs);
    }

    /// <summary>The value with three significant digits and its unit, e.g. <c>3.14 GB/s</c>.</summary>
    public string Display => $"{Value.ToString(Value >= 100 ? "F0" : Value >= 10 ? "F1" : Value >= 1 ? "F2" : "F3", CultureInfo.InvariantCulture)} {Unit}";

    // 1_000_000 → "1M", 100_000 → "100k": the JSON keys stay short and readable.
    internal static string FormatValue(object value) => value switch
    {
        int n when n >= 1_000_000 && n % 1_000_000 == 0 => $"{n / 1_000_000}M",
        int n when n >= 1_000 && n % 1_000 == 0 => $"{n / 1_000}k",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static List<(string, object)> CaseParameters(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Parameters.Items.Select(p => (p.Name, p.Value)).ToList();

    // GB = 10^9 bytes, so bytes per nanosecond is GB/s.
    private static double FloatBytes(IReadOnlyList<(string Name, object Value)> parameters, string key)
    {
        foreach (var (name, value) in parameters)
            if (name == "Parameters" && value is int count) return count * (double)sizeof(float);
        throw new InvalidOperationException($"benchmark '{key}' reports GB/s but has no int Parameters value");
    }
}
