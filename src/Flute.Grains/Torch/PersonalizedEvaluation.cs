using System.Runtime.InteropServices;
using Flute.Core.Data;
using Flute.Core.Randomness;
using Flute.Core.Schedules;
using Flute.Grains.Runtime;
using Flute.Grains.Torch.Optimizers;
using Flute.Interfaces;

namespace Flute.Grains.Torch;

/// <summary>
/// One client's evaluation (server.client_eval) on the silo's trainer threads: the global weights on
/// the client's own test split and, with server.personalization_steps k &gt; 0, the weights after k
/// local steps from them on the client's training split (plain local training: no strategy hook), on
/// the same test split. Nothing is kept: the global model and the client's state stay as they were.
/// </summary>
public static class PersonalizedEvaluation
{
    /// <summary>Evaluates <paramref name="version"/> ([weights ‖ strategy state]) for <paramref name="client"/>.</summary>
    public static async Task<ClientEvaluationResult> RunAsync(TrainerPool trainers, ExperimentContext context, long client, byte[] version, ClientEvaluationRequest request)
    {
        ArgumentNullException.ThrowIfNull(trainers);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(request);
        ClientShard test = context.Data.ClientTest(client);
        if (test.Indices.Length == 0) return new ClientEvaluationResult(client, 0, 0, null);
        // A client's test split is small: one contiguous copy lets the evaluation job read a range.
        Dataset testData = test.Data.Select($"client-{client}-test", test.Indices);
        int batch = context.Config.Server.EvalBatchSize;
        ReadOnlyMemory<byte> weights = version.AsMemory(0, context.Layout.ByteCount);
        EvalOutcome global = await trainers.EvaluateAsync(new EvalJob(context.Model, weights, testData, 0, testData.Count, batch));
        if (request.PersonalizationSteps <= 0) return new ClientEvaluationResult(client, testData.Count, global.Correct, null);

        ClientShard train = context.Data.Shard(client);
        if (train.Indices.Length == 0) return new ClientEvaluationResult(client, testData.Count, global.Correct, global.Correct);
        var settings = context.Config.Client;
        (int epochs, int maxSamples) = StepPlan(request.PersonalizationSteps, train.Indices.Length, settings.BatchSize);
        byte[] pseudoGradient = new byte[context.Layout.ByteCount];
        await trainers.TrainAsync(new TrainJob(
            context.Model, weights, train.Data, train.Indices,
            new TrainSettings(LearningRateSchedule.ForClient(context.Config).At(request.Round), settings.BatchSize, epochs, maxSamples,
                              ClientOptimizerSettings.From(settings), settings.MaxGradNorm),
            DeterministicRandom.DeriveKey(request.Seed, StreamPurpose.Personalization, request.Round, client),
            pseudoGradient));
        // The pseudo-gradient is global − local, so the fine-tuned weights are global − pseudo-gradient.
        byte[] tuned = new byte[context.Layout.ByteCount];
        Span<float> local = MemoryMarshal.Cast<byte, float>(tuned.AsSpan());
        ReadOnlySpan<float> start = MemoryMarshal.Cast<byte, float>(weights.Span);
        ReadOnlySpan<float> step = MemoryMarshal.Cast<byte, float>(pseudoGradient.AsSpan());
        for (int i = 0; i < local.Length; i++) local[i] = start[i] - step[i];
        EvalOutcome personalized = await trainers.EvaluateAsync(new EvalJob(context.Model, tuned, testData, 0, testData.Count, batch));
        return new ClientEvaluationResult(client, testData.Count, global.Correct, personalized.Correct);
    }

    /// <summary>
    /// Local epochs and the per-epoch sample cap that give <paramref name="steps"/> steps of
    /// <paramref name="batch"/> samples: one epoch of steps × batch samples when the client has that
    /// many, else ⌈steps / steps-per-epoch⌉ whole epochs (so a small client takes at least k steps).
    /// </summary>
    public static (int Epochs, int MaxSamples) StepPlan(int steps, int samples, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        long wanted = (long)steps * batch;
        if (wanted <= samples) return (1, (int)wanted);
        int perEpoch = (samples + batch - 1) / batch;
        return ((steps + perEpoch - 1) / perEpoch, 0);
    }
}
