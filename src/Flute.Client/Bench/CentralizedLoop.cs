using System.Diagnostics;
using System.Runtime.InteropServices;
using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Randomness;
using Flute.Grains.Torch;
using TorchSharp;

namespace Flute.Client.Bench;

/// <summary>
/// The informational reference of the overhead benchmark: one model trained centrally, on one
/// dedicated thread with the trainers' torch thread count, for a given number of SGD steps of the
/// experiment's batch size and learning rate over the whole training pool — the work of a
/// federated run done sequentially. It reuses the per-job training routine in chunks of at most one
/// pass over the pool, carrying the weights from chunk to chunk.
/// </summary>
internal static class CentralizedLoop
{
    /// <summary>Seconds for <paramref name="steps"/> full-batch SGD steps from the experiment's initial weights.</summary>
    public static double Run(FluteConfig config, FederatedData data, ModelSpec model, int threadsPerTrainer, long steps)
    {
        double seconds = 0;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                seconds = Train(config, data, model, threadsPerTrainer, steps);
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        { IsBackground = true, Name = "centralized-trainer" };
        thread.Start();
        thread.Join();
        return failure is null ? seconds : throw new InvalidOperationException($"centralized loop: {failure.Message}", failure);
    }

    private static double Train(FluteConfig config, FederatedData data, ModelSpec model, int threadsPerTrainer, long steps)
    {
        if (steps <= 0 || data.Train.Count == 0) return 0;
        torch.set_num_threads(threadsPerTrainer);
        using var replica = StandaloneTrainer.Create(model);
        ulong seed = config.Experiment.Seed;
        byte[] weights = MemoryMarshal.AsBytes(replica.InitialWeights(seed).AsSpan()).ToArray();
        var pseudoGradient = new byte[replica.Layout.ByteCount];
        int[] pool = Enumerable.Range(0, data.Train.Count).ToArray();
        int batch = config.Client.BatchSize;
        long perPass = Math.Max(1, pool.Length / batch);

        long started = Stopwatch.GetTimestamp();
        long done = 0;
        for (int chunk = 0; done < steps; chunk++)
        {
            long take = Math.Min(perPass, steps - done);
            var settings = new TrainSettings(config.Client.Lr, batch, 1, checked((int)(take * batch)));
            var job = new TrainJob(model, weights, data.Train, pool, settings,
                DeterministicRandom.DeriveKey(seed, StreamPurpose.DataOrder, chunk), pseudoGradient);
            done += replica.Train(job).Steps;
            replica.ReadWeights(weights);
        }
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
