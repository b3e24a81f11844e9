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
        if (job.Count == 0) return new EvalOutcome(0, 0, 0);
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
            }
        }
        return new EvalOutcome(correct, lossSum, job.Count);
    }
}
