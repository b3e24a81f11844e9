using Flute.Core.Data;
using Flute.Grains.Torch;

namespace Flute.Grains.Tests.Torch;

public sealed class TrainingTests : IDisposable
{
    private static readonly ModelSpec TwoByTwo = new("logreg", [2], 2);

    private readonly TrainerPool pool = new(new TrainerPoolOptions(1, 1));

    public void Dispose() => pool.Dispose();

    [Fact]
    public async Task TrainingOnSeparableDataReducesLoss()
    {
        var data = TorchTestData.Separable(40);
        byte[] global = TorchTestData.Bytes(new float[6]);
        var job = TorchTestData.Job(TwoByTwo, global, data, TorchTestData.Range(40), new TrainSettings(0.5, 4, 2, 0));

        var outcome = await pool.TrainAsync(job);
        byte[] local = TorchTestData.ApplyPseudoGradient(global, job.PseudoGradient);
        var before = await pool.EvaluateAsync(new EvalJob(TwoByTwo, global, data, 0, 40, 16));
        var after = await pool.EvaluateAsync(new EvalJob(TwoByTwo, local, data, 0, 40, 16));

        Assert.Equal(new TrainOutcome(40, outcome.MeanLoss, 20), outcome);
        Assert.True(outcome.MeanLoss < Math.Log(2), $"mean training loss {outcome.MeanLoss}");
        Assert.True(after.MeanLoss < before.MeanLoss / 4, $"loss {before.MeanLoss} → {after.MeanLoss}");
        Assert.Equal(40, after.Correct);
    }

    [Fact]
    public async Task OneStepFromZeroIsLrTimesTheHandComputedGradient()
    {
        // x1 = (1, 2) class 0, x2 = (3, −1) class 1; zero weights give p = (½, ½) for both.
        // ∂L/∂W[c] = ½ Σ_i (p_ic − [y_i = c]) x_i: row 0 = ½(−½(1, 2) + ½(3, −1)) = (0.5, −0.75),
        // row 1 = (−0.5, 0.75); ∂L/∂b = ½((−½ + ½), (½ − ½)) = (0, 0).
        var data = new Dataset("hand", [1, 2, 3, -1], [0, 1], [2], 2);
        byte[] global = TorchTestData.Bytes(new float[6]);
        var job = TorchTestData.Job(TwoByTwo, global, data, [0, 1], new TrainSettings(0.1, 2, 1, 0));

        var outcome = await pool.TrainAsync(job);

        float[] pseudoGradient = TorchTestData.Floats(job.PseudoGradient.ToArray());
        float[] expected = [0.05f, -0.075f, -0.05f, 0.075f, 0, 0];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], pseudoGradient[i], 1e-6f);
        Assert.Equal((2, 1), (outcome.SampleCount, outcome.Steps));
        Assert.Equal(Math.Log(2), outcome.MeanLoss, 6);
    }

    [Fact]
    public async Task OneStepFromNonZeroWeightsMatchesTheAnalyticGradient()
    {
        const int features = 3, classes = 4;
        var spec = new ModelSpec("logreg", [features], classes);
        float[] x = [0.5f, -1, 2, 1.5f, 0.25f, -0.5f, -2, 1, 0.75f];
        int[] y = [2, 0, 3];
        var data = new Dataset("analytic", x, y, [features], classes);
        var w = new float[classes * features + classes];
        for (int i = 0; i < w.Length; i++) w[i] = 0.1f * ((i * 7 % 11) - 5);
        const double lr = 0.05;
        var job = TorchTestData.Job(spec, TorchTestData.Bytes(w), data, [0, 1, 2], new TrainSettings(lr, 3, 1, 0));

        await pool.TrainAsync(job);

        var expected = new double[w.Length];
        for (int n = 0; n < y.Length; n++)
        {
            var logits = new double[classes];
            for (int c = 0; c < classes; c++)
            {
                logits[c] = w[classes * features + c];
                for (int f = 0; f < features; f++) logits[c] += w[c * features + f] * x[n * features + f];
            }
            double max = logits.Max(), z = logits.Sum(l => Math.Exp(l - max));
            for (int c = 0; c < classes; c++)
            {
                double delta = (Math.Exp(logits[c] - max) / z - (y[n] == c ? 1 : 0)) / y.Length;
                for (int f = 0; f < features; f++) expected[c * features + f] += lr * delta * x[n * features + f];
                expected[classes * features + c] += lr * delta;
            }
        }
        float[] actual = TorchTestData.Floats(job.PseudoGradient.ToArray());
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-6);
    }

    [Fact]
    public async Task UnalignedBuffersGiveTheSameBytes()
    {
        // Payload buffers put the float data at any byte offset (after a MessagePack header).
        var data = TorchTestData.Separable(12);
        byte[] global = TorchTestData.Bytes([0.3f, -0.2f, 0.1f, 0.4f, 0.05f, -0.05f]);
        var settings = new TrainSettings(0.2, 5, 2, 0);
        var aligned = TorchTestData.Job(TwoByTwo, global, data, TorchTestData.Range(12), settings);
        var globalAt3 = new byte[global.Length + 3];
        global.CopyTo(globalAt3, 3);
        var payload = new byte[global.Length + 8];
        var unaligned = aligned with { GlobalWeights = globalAt3.AsMemory(3), PseudoGradient = payload.AsMemory(5, global.Length) };

        await pool.TrainAsync(aligned);
        await pool.TrainAsync(unaligned);

        Assert.Equal(aligned.PseudoGradient.ToArray(), payload.AsSpan(5, global.Length).ToArray());
        Assert.Equal(new byte[5], payload.AsSpan(0, 5).ToArray());
        Assert.Equal(new byte[3], payload.AsSpan(5 + global.Length).ToArray());
    }

    [Fact]
    public async Task EmptyClientGetsZerosAndNoSteps()
    {
        var spec = new ModelSpec("mlp", [4], 3, Hidden: 5);
        var layout = await pool.DescribeAsync(spec);
        var buffer = new byte[layout.ByteCount];
        Array.Fill(buffer, (byte)0xAB);
        var job = new TrainJob(spec, new byte[layout.ByteCount], TorchTestData.RandomImages(4, [4], 3), [],
                               new TrainSettings(0.1, 2, 1, 0), 1, buffer);

        var outcome = await pool.TrainAsync(job);

        Assert.Equal(new TrainOutcome(0, 0, 0), outcome);
        Assert.All(buffer, b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task MaxSamplesCapsSamplesForEveryEpoch()
    {
        var data = TorchTestData.Separable(20);
        byte[] global = TorchTestData.Bytes(new float[6]);
        var job = TorchTestData.Job(TwoByTwo, global, data, TorchTestData.Range(20), new TrainSettings(0.1, 4, 3, 6));

        var outcome = await pool.TrainAsync(job);

        // 6 samples per epoch in batches of 4 and 2, 3 epochs.
        Assert.Equal(6, outcome.SampleCount);
        Assert.Equal(6, outcome.Steps);
    }

    [Fact]
    public async Task DataOrderKeyChangesTheResult()
    {
        var data = TorchTestData.Separable(20);
        byte[] global = TorchTestData.Bytes([0.3f, -0.2f, 0.1f, 0.4f, 0, 0]);
        var settings = new TrainSettings(0.5, 3, 1, 0);
        var a = TorchTestData.Job(TwoByTwo, global, data, TorchTestData.Range(20), settings, orderKey: 1);
        var b = TorchTestData.Job(TwoByTwo, global, data, TorchTestData.Range(20), settings, orderKey: 2);

        await pool.TrainAsync(a);
        await pool.TrainAsync(b);

        Assert.NotEqual(a.PseudoGradient.ToArray(), b.PseudoGradient.ToArray());
    }

    [Fact]
    public async Task WrongBufferLengthFaultsOnlyThatJob()
    {
        var data = TorchTestData.Separable(4);
        byte[] global = TorchTestData.Bytes(new float[6]);
        var bad = new TrainJob(TwoByTwo, global, data, [0, 1], new TrainSettings(0.1, 2, 1, 0), 1, new byte[20]);
        var good = TorchTestData.Job(TwoByTwo, global, data, [0, 1], new TrainSettings(0.1, 2, 1, 0));

        await Assert.ThrowsAsync<ArgumentException>(() => pool.TrainAsync(bad));
        var outcome = await pool.TrainAsync(good);

        Assert.Equal(2, outcome.SampleCount);
    }

    [Fact]
    public async Task BadLabelFaultsTheJobWithAClearError()
    {
        var data = new Dataset("bad", [1, 2, 3, 4], [0, 5], [2], 6);
        byte[] global = TorchTestData.Bytes(new float[6]);
        var job = TorchTestData.Job(TwoByTwo, global, data, [0, 1], new TrainSettings(0.1, 2, 1, 0));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => pool.TrainAsync(job));

        Assert.Contains("label 5", error.Message);
    }

    [Fact]
    public async Task ReplicasAreReusedAcrossJobs()
    {
        var data = TorchTestData.Separable(8);
        byte[] global = TorchTestData.Bytes(new float[6]);
        for (int i = 0; i < 5; i++)
            await pool.TrainAsync(TorchTestData.Job(TwoByTwo, global, data, [i, i + 1, i + 2], new TrainSettings(0.1, 2, 1, 0)));

        int replicas = await pool.RunAsync(context => context.ReplicaCount);

        Assert.Equal(1, replicas);
    }

    [Fact]
    public async Task InputShapeMismatchIsRejected()
    {
        var data = TorchTestData.RandomImages(4, [3], 2);
        var job = TorchTestData.Job(TwoByTwo, TorchTestData.Bytes(new float[6]), data, [0, 1], new TrainSettings(0.1, 2, 1, 0));

        await Assert.ThrowsAsync<ArgumentException>(() => pool.TrainAsync(job));
    }

    [Fact]
    public async Task ReadsNothingButTheGivenIndices()
    {
        // Sample 1 carries a label that would fail; training on sample 0 only must not touch it.
        var data = new Dataset("partial", [1, 2, 3, 4], [0, 9], [2], 10);
        var job = TorchTestData.Job(TwoByTwo, TorchTestData.Bytes(new float[6]), data, [0], new TrainSettings(0.1, 2, 1, 0));

        var outcome = await pool.TrainAsync(job);

        Assert.Equal(1, outcome.SampleCount);
        Assert.NotEqual(new float[6], TorchTestData.Floats(job.PseudoGradient.ToArray()));
    }
}
