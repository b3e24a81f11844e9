using System.Buffers;
using Flute.Core.Randomness;
using Flute.Grains.Torch.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Flute.Grains.Torch;

/// <summary>
/// A client's local training on a replica, from the global weights: per batch, the gradient of the mean
/// cross-entropy, optional clipping of its total norm, then one step of the client optimizer (plain SGD,
/// p ← p − lr·∇, by default); finally the pseudo-gradient <c>global − local</c>. Runs on a trainer thread.
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
        if (!(settings.MaxGradNorm >= 0) || double.IsInfinity(settings.MaxGradNorm)) throw new ArgumentOutOfRangeException(nameof(job), settings.MaxGradNorm, "max gradient norm must be finite and ≥ 0");
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
            using ClientHook? hook = ClientHook.Create(job, replica);
            // A job that failed mid-step may have left gradients that backward would add to.
            replica.ClearGradients();
            replica.EnsureBatchCapacity(settings.BatchSize);
            var optimizer = replica.Optimizer(settings.Optimizer ?? ClientOptimizerSettings.PlainSgd);
            optimizer.Begin(settings.Lr);

            double lossSum = 0;
            long lossCount = 0;
            int steps = 0;
            for (int epoch = 0; epoch < settings.LocalEpochs; epoch++)
            {
                if (epoch > 0) random.Shuffle(order);
                for (int start = 0; start < order.Length; start += settings.BatchSize)
                {
                    int count = Math.Min(settings.BatchSize, order.Length - start);
                    lossSum += count * (double)Step(replica, job, order.Slice(start, count), optimizer, settings.MaxGradNorm, hook);
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

    /// <summary>One optimizer step; every tensor it makes dies with its dispose scope.</summary>
    private static float Step(ModelReplica replica, TrainJob job, ReadOnlySpan<int> batch, IClientOptimizer optimizer, double maxGradNorm, ClientHook? hook)
    {
        using var scope = NewDisposeScope();
        replica.FillBatch(job.Data, batch);
        var (inputs, labels) = replica.Batch(batch.Length);
        var loss = nn.functional.cross_entropy(replica.Module.forward(inputs), labels);
        loss.backward();
        using (no_grad())
        {
            hook?.AdjustGradients(replica.Parameters);
            if (maxGradNorm > 0) GradientClipping.ClipTotalNorm(replica.Parameters, maxGradNorm);
            optimizer.Step();
        }
        // Dropping the gradients lets the next backward pass write fresh ones instead of
        // accumulating into (and first zeroing) the old buffers.
        replica.ClearGradients();
        return loss.item<float>();
    }
}
