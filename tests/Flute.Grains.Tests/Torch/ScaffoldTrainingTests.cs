using Flute.Core.Data;
using Flute.Core.Strategies;
using Flute.Grains.Torch;

namespace Flute.Grains.Tests.Torch;

/// <summary>SCAFFOLD's client hook (ControlVariateCorrection) in real local training.</summary>
public sealed class ScaffoldTrainingTests : IDisposable
{
    private static readonly ModelSpec TwoByTwo = new("logreg", [2], 2);
    private static readonly ClientInstructions ControlVariates = new Scaffold(10).ConfigureRound(1);

    private readonly TrainerPool pool = new(new TrainerPoolOptions(1, 1));

    public void Dispose() => pool.Dispose();

    [Fact]
    public async Task A_zero_correction_gives_plain_sgds_update_bit_for_bit()
    {
        // Arrange
        var data = TorchTestData.Separable(40);
        byte[] global = TorchTestData.Bytes([0.3f, -0.2f, 0.1f, 0.4f, 0.05f, -0.05f]);
        var settings = new TrainSettings(0.5, 4, 2, 0);
        var plain = TorchTestData.Job(TwoByTwo, global, data, TorchTestData.Range(40), settings);
        var corrected = TorchTestData.Job(TwoByTwo, global, data, TorchTestData.Range(40), settings)
            with { Instructions = ControlVariates, GradientCorrection = new float[6] };

        // Act
        await pool.TrainAsync(plain);
        await pool.TrainAsync(corrected);

        // Assert
        Assert.Equal(plain.PseudoGradient.ToArray(), corrected.PseudoGradient.ToArray());
    }

    [Fact]
    public async Task Every_step_follows_the_gradient_minus_ci_plus_c()
    {
        // Arrange: one batch holding both samples, two steps. Step 1 from g: w1 = g − lr·(∇f(g) + d) with
        // d = c − c_i; step 2: w2 = w1 − lr·(∇f(w1) + d). ∇f at a point comes from one plain step from
        // there (∇f = pseudo-gradient / lr). c = (0.5, −1, 0, 2, 0.25, 0), c_i = (1, 1, 1, 1, 1, 1):
        // d = (−0.5, −2, −1, 1, −0.75, −1).
        var data = new Dataset("hand", [1, 2, 3, -1], [0, 1], [2], 2);
        byte[] global = TorchTestData.Bytes([0.1f, -0.2f, 0.3f, 0.05f, 0.02f, -0.01f]);
        const double lr = 0.1;
        var d = new float[6];
        Scaffold.GradientCorrection([0.5f, -1f, 0f, 2f, 0.25f, 0f], [1f, 1f, 1f, 1f, 1f, 1f], d);
        Assert.Equal([-0.5f, -2f, -1f, 1f, -0.75f, -1f], d);
        float[] w1 = await CorrectedStepAsync(TorchTestData.Floats(global), data, lr, d);
        float[] expected = await CorrectedStepAsync(w1, data, lr, d);
        var twoSteps = TorchTestData.Job(TwoByTwo, global, data, [0, 1], new TrainSettings(lr, 2, 2, 0))
            with { Instructions = ControlVariates, GradientCorrection = d };

        // Act
        await pool.TrainAsync(twoSteps);

        // Assert
        float[] local = TorchTestData.Floats(TorchTestData.ApplyPseudoGradient(global, twoSteps.PseudoGradient));
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], local[i], 1e-6f);
    }

    /// <summary>w − lr·(∇f(w) + d), with ∇f(w) from one plain SGD step at w.</summary>
    private async Task<float[]> CorrectedStepAsync(float[] w, Dataset data, double lr, float[] d)
    {
        var plain = TorchTestData.Job(TwoByTwo, TorchTestData.Bytes(w), data, [0, 1], new TrainSettings(lr, 2, 1, 0));
        await pool.TrainAsync(plain);
        float[] gradient = TorchTestData.Floats(plain.PseudoGradient.ToArray());
        var next = new float[w.Length];
        for (int i = 0; i < w.Length; i++) next[i] = w[i] - (float)lr * (gradient[i] / (float)lr + d[i]);
        return next;
    }
}
