using Flute.Core.Evaluation;

namespace Flute.Examples.LeNet;

/// <summary>
/// The error rate, 1 − accuracy: the share of samples whose argmax prediction (first maximum, as
/// <see cref="LogitRows.ArgMax"/> and torch pick) is not the label. A metric in a plug-in, registered
/// by <see cref="LeNetPlugin.Register"/> (docs/extending/08-metric.md). State: [errors, samples].
/// </summary>
public sealed class ErrorRate : IMetric
{
    /// <summary>The metric name configs use (server.metrics).</summary>
    public const string MetricName = "error_rate";

    /// <inheritdoc />
    public string Name => MetricName;

    /// <inheritdoc />
    public int StateLength(int classes) => 2;

    /// <inheritdoc />
    public void Accumulate(ReadOnlySpan<float> logits, ReadOnlySpan<long> labels, int classes, Span<double> state)
    {
        LogitRows.Check(logits, labels, classes);
        for (int i = 0; i < labels.Length; i++)
        {
            if (LogitRows.ArgMax(logits.Slice(i * classes, classes)) != labels[i]) state[0]++;
        }
        state[1] += labels.Length;
    }

    /// <inheritdoc />
    public double Finish(ReadOnlySpan<double> state, int classes) => state[1] > 0 ? state[0] / state[1] : double.NaN;
}
