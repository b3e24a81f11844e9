using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Randomness;
using Flute.Grains.Torch;
using Flute.Grains.Torch.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Flute.Grains.Tests.Torch;

/// <summary>
/// Client optimizers and clipping against PyTorch's formulas, computed here in double precision on
/// logistic regression (2 features, 2 classes: W row-major by class, then the bias), whose mean
/// cross-entropy gradient is ∂L/∂W[c] = (1/n) Σᵢ (softmax(Wxᵢ + b)_c − [yᵢ = c]) xᵢ, ∂L/∂b[c] likewise without xᵢ.
/// The batch holds both samples, so each epoch is one step on the same full-batch gradient.
/// </summary>
public sealed class ClientOptimizerTests : IDisposable
{
    private static readonly ModelSpec TwoByTwo = new("logreg", [2], 2);
    // x1 = (1, 2) class 0, x2 = (3, −1) class 1.
    private static readonly float[] X = [1, 2, 3, -1];
    private static readonly int[] Y = [0, 1];
    private static readonly Dataset Hand = new("hand", X, Y, [2], 2);
    private static readonly float[] W0 = [0.2f, -0.1f, -0.3f, 0.4f, 0.05f, -0.05f];

    private readonly TrainerPool pool = new(new TrainerPoolOptions(1, 1));

    public void Dispose() => pool.Dispose();

    [Fact]
    public async Task Sgd_with_momentum_over_two_steps_matches_the_heavy_ball_formula()
    {
        // Arrange: lr 0.1, μ 0.9: b₁ = g(w₀), w₁ = w₀ − lr·b₁; b₂ = μ·b₁ + g(w₁), w₂ = w₁ − lr·b₂.
        const double lr = 0.1, mu = 0.9;
        var settings = new TrainSettings(lr, 2, 2, 0, new ClientOptimizerSettings("sgd", Momentum: mu));
        var job = Job(settings);
        var plain = Job(new TrainSettings(lr, 2, 2, 0));
        double[] w = Doubles(W0);
        double[] g1 = Gradient(w);
        double[] b = g1;
        double[] w1 = Axpy(-lr, b, w);
        double[] g2 = Gradient(w1);
        b = Axpy(mu, b, g2);
        double[] w2 = Axpy(-lr, b, w1);

        // Act
        var outcome = await pool.TrainAsync(job);
        await pool.TrainAsync(plain);

        // Assert: pseudo-gradient = w₀ − w₂.
        AssertClose(Axpy(-1, w2, w), PseudoGradient(job), 1e-6);
        Assert.Equal(2, outcome.Steps);
        Assert.NotEqual(PseudoGradient(plain), PseudoGradient(job));
    }

    [Fact]
    public async Task Sgd_first_step_from_zero_is_plain_sgd_whatever_the_momentum()
    {
        // Arrange: one step; b₁ = g, so momentum has no effect yet (hand values: g row 0 = (0.5, −0.75),
        // row 1 = (−0.5, 0.75), bias 0; lr 0.1 → pseudo-gradient 0.1·g).
        var job = TorchTestData.Job(TwoByTwo, TorchTestData.Bytes(new float[6]), Hand, [0, 1],
                                    new TrainSettings(0.1, 2, 1, 0, new ClientOptimizerSettings("sgd", Momentum: 0.5)));

        // Act
        await pool.TrainAsync(job);

        // Assert
        AssertClose([0.05, -0.075, -0.05, 0.075, 0, 0], PseudoGradient(job), 1e-7);
    }

    [Fact]
    public async Task Weight_decay_adds_lambda_times_the_weights_to_the_gradient()
    {
        // Arrange: one step, λ 0.5: w₁ = w₀ − lr·(g(w₀) + λ·w₀); from zero weights it would vanish,
        // so start from W0. With adam, its first step is lr·ĝ/(|ĝ| + eps), ĝ = g(w₀) + λ·w₀.
        const double lr = 0.1, lambda = 0.5;
        var sgd = Job(new TrainSettings(lr, 2, 1, 0, new ClientOptimizerSettings("sgd", WeightDecay: lambda)));
        var adam = Job(new TrainSettings(lr, 2, 1, 0, new ClientOptimizerSettings("adam", WeightDecay: lambda)));
        double[] w = Doubles(W0);
        double[] decayed = Axpy(lambda, w, Gradient(w));

        // Act
        await pool.TrainAsync(sgd);
        await pool.TrainAsync(adam);

        // Assert
        AssertClose([.. decayed.Select(d => lr * d)], PseudoGradient(sgd), 1e-7);
        AssertClose([.. decayed.Select(d => lr * d / (Math.Abs(d) + 1e-8))], PseudoGradient(adam), 1e-7);
    }

    [Fact]
    public async Task Adam_first_step_moves_every_weight_by_lr_against_its_gradient_sign()
    {
        // Arrange: t = 1: m = (1 − β₁)g, v = (1 − β₂)g², m̂ = g, v̂ = g², so w₁ = w₀ − lr·g/(|g| + eps).
        // From zero weights g = (0.5, −0.75, −0.5, 0.75, 0, 0) (hand-computed above), lr 0.01:
        // pseudo-gradient = 0.01·(1, −1, −1, 1, 0, 0) up to eps/|g| ≈ 2e-8 relative; the zero-gradient
        // bias stays (0/(0 + eps) = 0).
        var job = TorchTestData.Job(TwoByTwo, TorchTestData.Bytes(new float[6]), Hand, [0, 1],
                                    new TrainSettings(0.01, 2, 1, 0, new ClientOptimizerSettings("adam")));

        // Act
        await pool.TrainAsync(job);

        // Assert
        AssertClose([0.01, -0.01, -0.01, 0.01, 0, 0], PseudoGradient(job), 1e-8);
    }

    [Fact]
    public async Task Adam_over_two_steps_matches_the_bias_corrected_formula()
    {
        // Arrange: β₁ 0.8, β₂ 0.9, eps 1e-3 (large enough to matter), lr 0.05; t = 1, 2:
        // m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², w ← w − (lr/(1 − β₁ᵗ))·m/(√v/√(1 − β₂ᵗ) + eps).
        const double lr = 0.05, beta1 = 0.8, beta2 = 0.9, eps = 1e-3;
        var job = Job(new TrainSettings(lr, 2, 2, 0, new ClientOptimizerSettings("adam", Beta1: beta1, Beta2: beta2, Eps: eps)));
        double[] w = Doubles(W0);
        var m = new double[w.Length];
        var v = new double[w.Length];
        for (int t = 1; t <= 2; t++)
        {
            double[] g = Gradient(w);
            for (int i = 0; i < w.Length; i++)
            {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                w[i] -= lr / (1 - Math.Pow(beta1, t)) * m[i] / (Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(beta2, t)) + eps);
            }
        }

        // Act
        await pool.TrainAsync(job);

        // Assert
        AssertClose(Axpy(-1, w, Doubles(W0)), PseudoGradient(job), 1e-6);
    }

    [Fact]
    public async Task Clipping_bounds_the_step_to_lr_times_the_maximum_norm()
    {
        // Arrange: from zero weights ‖g‖ = √(2·(0.25 + 0.5625)) = √1.625 ≈ 1.2747549; max 0.5 →
        // g·0.5/(1.2747549 + 1e-6) ≈ g·0.3922315; plain SGD lr 0.1 → pseudo-gradient of norm ≈ 0.05.
        var clipped = TorchTestData.Job(TwoByTwo, TorchTestData.Bytes(new float[6]), Hand, [0, 1],
                                        new TrainSettings(0.1, 2, 1, 0, MaxGradNorm: 0.5));
        double scale = 0.1 * 0.5 / (Math.Sqrt(1.625) + 1e-6);

        // Act
        await pool.TrainAsync(clipped);

        // Assert
        float[] step = PseudoGradient(clipped);
        AssertClose([0.5 * scale, -0.75 * scale, -0.5 * scale, 0.75 * scale, 0, 0], step, 1e-7);
        double norm = Math.Sqrt(step.Sum(s => (double)s * s));
        Assert.InRange(norm, 0.05 - 1e-6, 0.05 + 1e-7);
    }

    [Fact]
    public async Task A_bound_above_the_gradient_norm_changes_no_bit()
    {
        // Arrange: the norm along this run stays below 100, so the factor is exactly 1.
        var data = TorchTestData.Separable(24);
        byte[] global = TorchTestData.Bytes([0.3f, -0.2f, 0.1f, 0.4f, 0.05f, -0.05f]);
        var free = TorchTestData.Job(TwoByTwo, global, data, TorchTestData.Range(24), new TrainSettings(0.2, 5, 2, 0));
        var bounded = TorchTestData.Job(TwoByTwo, global, data, TorchTestData.Range(24), new TrainSettings(0.2, 5, 2, 0, MaxGradNorm: 100));

        // Act
        await pool.TrainAsync(free);
        await pool.TrainAsync(bounded);

        // Assert
        Assert.Equal(free.PseudoGradient.ToArray(), bounded.PseudoGradient.ToArray());
    }

    [Fact]
    public async Task Default_settings_give_the_bytes_of_the_plain_sgd_loop()
    {
        // Arrange: an MLP over several batches and epochs, trained by the pool (optimizer null, and
        // explicit sgd with momentum 0 and weight decay 0) and by the plain loop Flute ran before client
        // optimizers existed (w.add_(g, −lr) per parameter), written out below on the same trainer.
        var spec = new ModelSpec("mlp", [6], 3, Hidden: 8);
        var data = TorchTestData.RandomImages(30, [6], 3);
        byte[] global = await TorchTestData.InitialBytesAsync(pool, spec);
        var byDefault = TorchTestData.Job(spec, global, data, TorchTestData.Range(30), new TrainSettings(0.3, 4, 3, 0));
        var explicitSgd = byDefault with
        {
            Settings = byDefault.Settings with { Optimizer = new ClientOptimizerSettings("sgd", 0, 0) },
            PseudoGradient = new byte[global.Length],
        };
        var reference = new byte[global.Length];

        // Act
        await pool.TrainAsync(byDefault);
        await pool.TrainAsync(explicitSgd);
        await pool.RunAsync(context => PlainSgdLoop(context.Replica(spec), byDefault, reference));

        // Assert
        Assert.Equal(reference, byDefault.PseudoGradient.ToArray());
        Assert.Equal(reference, explicitSgd.PseudoGradient.ToArray());
    }

    [Theory]
    [InlineData("sgd", 0.9, 0.01, 0.0)]
    [InlineData("adam", 0.0, 0.01, 1.0)]
    public async Task State_starts_from_zero_in_every_job(string name, double momentum, double weightDecay, double maxGradNorm)
    {
        // Arrange: job A, then another job B on the same replica (which leaves state behind), then A again.
        var spec = new ModelSpec("mlp", [6], 3, Hidden: 8);
        var data = TorchTestData.RandomImages(30, [6], 3);
        byte[] global = await TorchTestData.InitialBytesAsync(pool, spec);
        var settings = new TrainSettings(0.05, 4, 2, 0, new ClientOptimizerSettings(name, momentum, weightDecay), maxGradNorm);
        var first = TorchTestData.Job(spec, global, data, TorchTestData.Range(30), settings);
        var other = TorchTestData.Job(spec, global, data, [.. TorchTestData.Range(30).Skip(10)], settings, orderKey: 5);
        var again = first with { PseudoGradient = new byte[global.Length] };

        // Act
        await pool.TrainAsync(first);
        await pool.TrainAsync(other);
        await pool.TrainAsync(again);
        int replicas = await pool.RunAsync(context => context.ReplicaCount);

        // Assert
        Assert.Equal(first.PseudoGradient.ToArray(), again.PseudoGradient.ToArray());
        Assert.NotEqual(new byte[global.Length], first.PseudoGradient.ToArray());
        Assert.Equal(1, replicas);
    }

    [Fact]
    public async Task Unknown_optimizer_faults_the_job()
    {
        var job = Job(new TrainSettings(0.1, 2, 1, 0, new ClientOptimizerSettings("lamb")));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => pool.TrainAsync(job));

        Assert.Contains("lamb", error.Message);
    }

    private static TrainJob Job(TrainSettings settings) =>
        TorchTestData.Job(TwoByTwo, TorchTestData.Bytes(W0), Hand, [0, 1], settings);

    private static float[] PseudoGradient(TrainJob job) => TorchTestData.Floats(job.PseudoGradient.ToArray());

    private static double[] Doubles(float[] values) => [.. values.Select(v => (double)v)];

    /// <summary>a·x + y.</summary>
    private static double[] Axpy(double a, double[] x, double[] y) => [.. x.Select((xi, i) => a * xi + y[i])];

    /// <summary>The mean cross-entropy gradient of the hand data set at <paramref name="w"/> (see the class summary).</summary>
    private static double[] Gradient(double[] w)
    {
        const int features = 2, classes = 2;
        var gradient = new double[w.Length];
        for (int n = 0; n < Y.Length; n++)
        {
            var logits = new double[classes];
            for (int c = 0; c < classes; c++)
            {
                logits[c] = w[classes * features + c];
                for (int f = 0; f < features; f++) logits[c] += w[c * features + f] * X[n * features + f];
            }
            double max = logits.Max(), z = logits.Sum(l => Math.Exp(l - max));
            for (int c = 0; c < classes; c++)
            {
                double delta = (Math.Exp(logits[c] - max) / z - (Y[n] == c ? 1 : 0)) / Y.Length;
                for (int f = 0; f < features; f++) gradient[c * features + f] += delta * X[n * features + f];
                gradient[classes * features + c] += delta;
            }
        }
        return gradient;
    }

    private static void AssertClose(double[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], tolerance);
    }

    /// <summary>The local-training loop of Flute before client optimizers, op for op.</summary>
    private static int PlainSgdLoop(ModelReplica replica, TrainJob job, byte[] pseudoGradient)
    {
        var settings = job.Settings;
        int[] order = [.. job.Indices];
        var random = new DeterministicRandom(job.DataOrderKey);
        random.Shuffle(order.AsSpan());
        replica.LoadWeights(job.GlobalWeights.Span);
        replica.ClearGradients();
        replica.EnsureBatchCapacity(settings.BatchSize);
        using Scalar step = -settings.Lr;
        for (int epoch = 0; epoch < settings.LocalEpochs; epoch++)
        {
            if (epoch > 0) random.Shuffle(order.AsSpan());
            for (int start = 0; start < order.Length; start += settings.BatchSize)
            {
                int count = Math.Min(settings.BatchSize, order.Length - start);
                using var scope = NewDisposeScope();
                replica.FillBatch(job.Data, order.AsSpan(start, count));
                var (inputs, labels) = replica.Batch(count);
                nn.functional.cross_entropy(replica.Module.forward(inputs), labels).backward();
                using (no_grad())
                {
                    foreach (var p in replica.Parameters)
                    {
                        if (p.grad is not { } grad) continue;
                        p.add_(grad, step);
                        p.grad = null;
                    }
                }
            }
        }
        replica.WritePseudoGradient(job.GlobalWeights.Span, pseudoGradient);
        return 0;
    }
}
