using System.Buffers;
using Flute.Core.Randomness;
using TorchSharp;
using static TorchSharp.torch;

namespace Flute.Grains.Torch;

/// <summary>
/// A client's local training on a replica: plain SGD (p ← p − lr·∇) on the mean cross-entropy of each
/// batch, from the global weights, then the pseudo-gradient <c>global − local</c>. Runs on a trainer thread.
/// </summary>
internal static class LocalSgd
{
    public static TrainOutcome Train(ModelReplica replica, TrainJob job)
    {
        var settings = job.Settings;
        if (!(settings.Lr > 0) || double.IsInfinity(settings.Lr)) throw new ArgumentOutOfRangeException(nameof(job), settings.Lr, "learning rate must be positive and finite");
        if (settings.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(job), settings.BatchSize, "batch size must be ≥ 1");
        if (settings.LocalEpochs < 1) throw new ArgumentOutOfRangeException(nameof(job), settings.LocalEpochs, "local epochs must be ≥ 1");
        if (settings.MaxSamples < 0) throw new ArgumentOutOfRangeException(nameof(job), settings.MaxSamples, "max samples must be ≥ 0");
        if (job.PseudoGradient.Length != replica.Layout.ByteCount)
            throw new ArgumentException($"pseudo-gradient buffer has {job.PseudoGradient.Length} bytes; model {replica.Spec} needs {replica.Layout.ByteCount}");
        replica.CheckData(job.Data);
        foreach (int index in job.Indices)
            if ((uint)index >= (uint)job.Data.Count)
                throw new ArgumentException($"sample index {index} is outside data set '{job.Data.Name}' of {job.Data.Count} samples");

        int[] rented = ArrayPool<int>.Shared.Rent(job.Indices.Length);
        try
        {
            var order = rented.AsSpan(0, job.Indices.Length);
            job.Indices.CopyTo(order);
            var random = new DeterministicRandom(job.DataOrderKey);
            random.Shuffle(order);
            if (settings.MaxSamples > 0 && settings.MaxSamples < order.Length) order = order[..settings.MaxSamples];

            replica.LoadWeights(job.GlobalWeights.Span);
            using ClientHook? hook = ClientHook.Create(job.Instructions, replica);
            // A job that failed mid-step may have left gradients that backward would add to.
            replica.ClearGradients();
            replica.EnsureBatchCapacity(settings.BatchSize);

            double lossSum = 0;
            long lossCount = 0;
            int steps = 0;
            using Scalar step = -settings.Lr;
            for (int epoch = 0; epoch < settings.LocalEpochs; epoch++)
            {
                if (epoch > 0) random.Shuffle(order);
                for (int start = 0; start < order.Length; start += settings.BatchSize)
                {
                    int count = Math.Min(settings.BatchSize, order.Length - start);
                    lossSum += count * (double)Step(replica, job, order.Slice(start, count), step, hook);
                    lossCount += count;
                    steps++;
                }
            }
            replica.WritePseudoGradient(job.GlobalWeights.Span, job.PseudoGradient.Span);
            return new TrainOutcome(order.Length, lossSum / lossCount, steps);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    /// <summary>One SGD step; every tensor it makes dies with its dispose scope.</summary>
    private static float Step(ModelReplica replica, TrainJob job, ReadOnlySpan<int> batch, Scalar step, ClientHook? hook)
    {
        using var scope = NewDisposeScope();
        replica.FillBatch(job.Data, batch);
        var (inputs, labels) = replica.Batch(batch.Length);
        var loss = nn.functional.cross_entropy(replica.Module.forward(inputs), labels);
        loss.backward();
        using (no_grad())
        {
            var parameters = replica.Parameters;
            hook?.AdjustGradients(parameters);
            for (int i = 0; i < parameters.Count; i++)
            {
                var p = parameters[i];
                var grad = p.grad;
                if (grad is null) continue;
                p.add_(grad, step);
                // Dropping the gradient lets the next backward pass write a fresh one instead of
                // accumulating into (and first zeroing) the old buffer.
                p.grad = null;
            }
        }
        return loss.item<float>();
    }
}
