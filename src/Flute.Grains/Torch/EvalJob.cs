using Flute.Core.Evaluation;

namespace Flute.Grains.Torch;

/// <summary>
/// Evaluation of <see cref="Weights"/> on the samples [<see cref="Start"/>, <see cref="Start"/> + <see cref="Count"/>) of <see cref="Data"/>,
/// with the configured metrics (server.metrics) when <see cref="Metrics"/> is not empty.
/// </summary>
public sealed record EvalJob(ModelSpec Model, ReadOnlyMemory<byte> Weights, Flute.Core.Data.Dataset Data, int Start, int Count, int BatchSize, MetricSet? Metrics = null);

/// <summary>
/// Evaluation totals, so that results over several ranges add up: correct (argmax) predictions, the sum
/// of per-sample cross-entropy losses, the number of samples, and the configured metrics' state.
/// </summary>
public readonly record struct EvalOutcome(long Correct, double LossSum, int Count)
{
    /// <summary>The metrics' state over the range (<see cref="MetricSet"/>), or null when the job had no metrics.</summary>
    public double[]? MetricState { get; init; }

    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;
    public double MeanLoss => Count == 0 ? 0 : LossSum / Count;
}
