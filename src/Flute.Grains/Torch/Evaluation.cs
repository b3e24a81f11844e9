using System.Runtime.InteropServices;
using Flute.Core.Evaluation;
using static TorchSharp.torch;

namespace Flute.Grains.Torch;

/// <summary>Evaluation of weights on a contiguous range of a data set, on a trainer thread.</summary>
internal static class Evaluation
{
    public static EvalOutcome Evaluate(ModelReplica replica, EvalJob job)
    {
        if (job.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(job), job.BatchSize, "batch size must be ≥ 1");
        if (job.Start < 0 || job.Count < 0 || (long)job.Start + job.Count > job.Data.Count)
            throw new ArgumentOutOfRangeException(nameof(job), $"range [{job.Start}, {(long)job.Start + job.Count}) is outside data set '{job.Data.Name}' of {job.Data.Count} samples");
        replica.CheckData(job.Data);
        replica.LoadWeights(job.Weights.Span);
        MetricSet? metrics = job.Metrics is { IsEmpty: false } configured ? configured : null;
        int classes = job.Model.ClassCount;
        double[]? metricState = metrics is null ? null : new double[metrics.StateLength(classes)];
        if (job.Count == 0) return new EvalOutcome(0, 0, 0) { MetricState = metricState };
        replica.EnsureBatchCapacity(job.BatchSize);

        long correct = 0;
        double lossSum = 0;
        using (no_grad())
        {
            for (int start = job.Start, end = job.Start + job.Count; start < end; start += job.BatchSize)
            {
                int count = Math.Min(job.BatchSize, end - start);
                using var scope = NewDisposeScope();
                replica.FillBatch(job.Data, start, count);
                var (inputs, labels) = replica.Batch(count);
                var logits = replica.Module.forward(inputs);
                lossSum += nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.Sum).item<float>();
                correct += logits.argmax(1).eq(labels).sum().item<long>();
                if (metrics is not null) Accumulate(metrics, logits, labels, classes, metricState!);
            }
        }
        return new EvalOutcome(correct, lossSum, job.Count) { MetricState = metricState };
    }

    /// <summary>
    /// Adds a batch to the metrics' state, reading the logits and labels in place: on the CPU, <c>cpu()</c>
    /// and <c>contiguous()</c> return the same storage, so no per-batch copy is made (on a GPU they copy once).
    /// Called only when metrics are configured; they never touch the model, its weights or any random stream.
    /// </summary>
    private static void Accumulate(MetricSet metrics, Tensor logits, Tensor labels, int classes, double[] state)
    {
        if (logits.dim() != 2 || logits.shape[1] != classes)
            throw new InvalidOperationException($"metrics need logits of shape [batch, {classes}], the model gave [{string.Join(", ", logits.shape)}]");
        Tensor cpuLogits = logits.to_type(ScalarType.Float32).cpu().contiguous();
        Tensor cpuLabels = labels.cpu().contiguous();
        metrics.Accumulate(MemoryMarshal.Cast<byte, float>(cpuLogits.bytes), MemoryMarshal.Cast<byte, long>(cpuLabels.bytes), classes, state);
    }
}
