using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Flute.Client.Bench.Micro;

/// <summary>Adds each case's <see cref="Headline"/> (GB/s, µs or ns per operation) to BenchmarkDotNet's table.</summary>
public sealed class HeadlineColumn : IColumn
{
    public string Id => nameof(HeadlineColumn);

    public string ColumnName => "Headline";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => false;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "GB/s of float32 data, or time per operation (µs/ns)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => Headline.Of(summary, benchmarkCase)?.Display ?? "-";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
