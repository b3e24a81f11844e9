using System.Runtime.InteropServices;
using Flute.Grains.Torch;

namespace Flute.Grains.Tests.Torch;

public sealed class WeightTests : IDisposable
{
    private readonly TrainerPool pool = new(new TrainerPoolOptions(1, 1));

    public void Dispose() => pool.Dispose();

    [Fact]
    public async Task LoadThenReadBackIsBitwiseIdentical()
    {
        var spec = new ModelSpec("cnn-small", [1, 28, 28], 10);
        var layout = await pool.DescribeAsync(spec);
        var values = new float[layout.ParameterCount];
        for (int i = 0; i < values.Length; i++) values[i] = BitConverter.Int32BitsToSingle(0x3A000000 + i * 17);
        values[3] = float.Epsilon;
        values[5] = -0.0f;
        byte[] weights = TorchTestData.Bytes(values);

        byte[] readBack = await pool.RunAsync(context =>
        {
            var replica = context.Replica(spec);
            replica.LoadWeights(weights);
            var copy = new byte[weights.Length];
            replica.ReadWeights(copy);
            return copy;
        });

        Assert.Equal(weights, readBack);
    }

    [Fact]
    public async Task LoadWritesIntoTheTensorsTorchComputesWith()
    {
        var spec = new ModelSpec("mlp", [6], 3, Hidden: 4);
        var layout = await pool.DescribeAsync(spec);
        var values = new float[layout.ParameterCount];
        for (int i = 0; i < values.Length; i++) values[i] = i * 0.25f;

        double[] torchSums = await pool.RunAsync(context =>
        {
            var replica = context.Replica(spec);
            replica.LoadWeights(TorchTestData.Bytes(values));
            var sums = new double[replica.Parameters.Count];
            for (int i = 0; i < sums.Length; i++)
            {
                using var sum = replica.Parameters[i].sum();
                sums[i] = sum.item<float>();
            }
            return sums;
        });

        for (int p = 0; p < layout.Parameters.Count; p++)
        {
            var info = layout.Parameters[p];
            double expected = 0;
            for (int i = info.Offset; i < info.Offset + info.Count; i++) expected += values[i];
            Assert.Equal(expected, torchSums[p], 6);
        }
    }

    [Fact]
    public async Task LoadingOtherWeightsChangesTheModelOutput()
    {
        // logreg on 2 features, 2 classes: weight rows then bias.
        var spec = new ModelSpec("logreg", [2], 2);
        var data = TorchTestData.Separable(8);
        byte[] zeros = TorchTestData.Bytes(new float[6]);
        byte[] rightWay = TorchTestData.Bytes([-1, 0, 1, 0, 0, 0]);

        var atZero = await pool.EvaluateAsync(new EvalJob(spec, zeros, data, 0, data.Count, 4));
        var trained = await pool.EvaluateAsync(new EvalJob(spec, rightWay, data, 0, data.Count, 4));
        var zeroAgain = await pool.EvaluateAsync(new EvalJob(spec, zeros, data, 0, data.Count, 4));

        // Zero weights give uniform probabilities: loss ln 2 per sample.
        Assert.Equal(8 * Math.Log(2), atZero.LossSum, 5);
        Assert.Equal(8, trained.Correct);
        Assert.True(trained.LossSum < atZero.LossSum / 4);
        Assert.Equal(atZero, zeroAgain);
    }

    [Fact]
    public async Task InitialWeightsAreAPureFunctionOfTheSeed()
    {
        var spec = new ModelSpec("cnn-small", [1, 28, 28], 10);

        float[] a = await pool.InitialWeightsAsync(spec, 5);
        float[] b = await pool.InitialWeightsAsync(spec, 5);
        float[] c = await pool.InitialWeightsAsync(spec, 6);
        using var other = new TrainerPool(new TrainerPoolOptions(2, 1));
        float[] d = await other.InitialWeightsAsync(spec, 5);

        Assert.Equal(TorchTestData.Bytes(a), TorchTestData.Bytes(b));
        Assert.Equal(TorchTestData.Bytes(a), TorchTestData.Bytes(d));
        Assert.NotEqual(TorchTestData.Bytes(a), TorchTestData.Bytes(c));
    }

    [Fact]
    public async Task InitialWeightsFollowTheFanInBounds()
    {
        var spec = new ModelSpec("cnn-small", [1, 28, 28], 10);
        var layout = await pool.DescribeAsync(spec);

        float[] weights = await pool.InitialWeightsAsync(spec, 11);

        // conv1: fan_in 1·5·5 → bound 0.2; conv2: 8·5·5 → 1/√200; fc1: 784 → 1/28; fc2: 120.
        double[] bounds = [0.2, 0.2, 1 / Math.Sqrt(200), 1 / Math.Sqrt(200), 1 / 28.0, 1 / 28.0, 1 / Math.Sqrt(120), 1 / Math.Sqrt(120)];
        Assert.Equal(bounds.Length, layout.Parameters.Count);
        for (int p = 0; p < bounds.Length; p++)
        {
            var values = weights.AsSpan(layout.Parameters[p].Offset, layout.Parameters[p].Count);
            float max = 0;
            foreach (float v in values) max = Math.Max(max, Math.Abs(v));
            Assert.True(max <= bounds[p], $"{layout.Parameters[p].Name}: {max} > {bounds[p]}");
            // Fixed seed: checks that the draws use the whole bound, not a smaller one.
            Assert.True(max > bounds[p] / 2, $"{layout.Parameters[p].Name}: {max} ≤ {bounds[p] / 2}");
        }
    }

    [Fact]
    public async Task ParameterBytesAreAViewOfTensorStorage()
    {
        var spec = new ModelSpec("logreg", [3], 2);

        float seen = await pool.RunAsync(context =>
        {
            var weight = context.Replica(spec).Parameters[0];
            MemoryMarshal.Cast<byte, float>(weight.bytes)[4] = 12.5f;
            return weight.data<float>()[4];
        });

        Assert.Equal(12.5f, seen);
    }
}
