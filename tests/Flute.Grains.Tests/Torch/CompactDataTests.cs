using Flute.Core.Data;
using Flute.Grains.Torch;

namespace Flute.Grains.Tests.Torch;

/// <summary>Batches built from byte storage with a transform train and evaluate exactly as the same floats stored as floats.</summary>
public sealed class CompactDataTests
{
    /// <summary>40 random 28×28 byte images with random labels, and the same samples materialized once into float storage.</summary>
    private static (Dataset Bytes, Dataset Floats) Pair()
    {
        var random = new Flute.Core.Randomness.DeterministicRandom(11);
        var pixels = new byte[40 * 784];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)random.NextInt32(256);
        int[] labels = [.. Enumerable.Range(0, 40).Select(_ => random.NextInt32(10))];
        var (scale, shift) = Flute.Core.Data.Mnist.MnistLoader.Transform(FeatureScale.Normalized);
        var bytes = new Dataset("bytes", pixels, labels, [1, 28, 28], 10, scale, shift);
        var floats = new float[40 * 784];
        bytes.CopySamples(0, 40, floats);
        return (bytes, new Dataset("floats", floats, labels, [1, 28, 28], 10));
    }

    [Fact]
    public async Task Training_on_bytes_gives_the_same_pseudo_gradient_as_on_their_floats()
    {
        var spec = new ModelSpec("logreg", [1, 28, 28], 10);
        var (bytes, floats) = Pair();
        var settings = new TrainSettings(0.05, 7, 2, 0);
        int[] client = [3, 1, 4, 15, 9, 26, 5, 35, 8, 39, 0, 22];
        using var pool = new TrainerPool(new TrainerPoolOptions(1, 1));
        byte[] global = await TorchTestData.InitialBytesAsync(pool, spec);
        var fromBytes = TorchTestData.Job(spec, global, bytes, client, settings);
        var fromFloats = TorchTestData.Job(spec, global, floats, client, settings);

        await pool.TrainAsync(fromBytes);
        await pool.TrainAsync(fromFloats);

        Assert.Contains(fromBytes.PseudoGradient.ToArray(), b => b != 0);
        Assert.Equal(fromFloats.PseudoGradient.ToArray(), fromBytes.PseudoGradient.ToArray());
    }

    [Fact]
    public async Task Evaluating_bytes_gives_the_same_loss_as_their_floats()
    {
        var spec = new ModelSpec("logreg", [1, 28, 28], 10);
        var (bytes, floats) = Pair();
        using var pool = new TrainerPool(new TrainerPoolOptions(1, 1));
        byte[] weights = await TorchTestData.InitialBytesAsync(pool, spec);

        var fromBytes = await pool.EvaluateAsync(new EvalJob(spec, weights, bytes, 5, 30, 8));
        var fromFloats = await pool.EvaluateAsync(new EvalJob(spec, weights, floats, 5, 30, 8));

        Assert.Equal(fromFloats, fromBytes);
        Assert.Equal(30, fromBytes.Count);
    }
}
