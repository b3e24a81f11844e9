using Flute.Core.Data;
using Flute.Core.Strategies;
using Flute.Grains.Torch;

namespace Flute.Grains.Tests.Torch;

/// <summary>FedProx's client hook (ProximalTerm) in real local training.</summary>
public sealed class FedProxTrainingTests : IDisposable
{
    private static readonly ModelSpec TwoByTwo = new("logreg", [2], 2);

    private readonly TrainerPool pool = new(new TrainerPoolOptions(1, 1));

    public void Dispose() => pool.Dispose();

    [Fact]
    public async Task FedProxWithMuZeroGivesFedAvgsUpdateBitForBit()
    {
        // Arrange
        var data = TorchTestData.Separable(40);
        byte[] global = TorchTestData.Bytes([0.3f, -0.2f, 0.1f, 0.4f, 0.05f, -0.05f]);
        var settings = new TrainSettings(0.5, 4, 2, 0);
        var fedAvg = TorchTestData.Job(TwoByTwo, global, data, TorchTestData.Range(40), settings);
        ClientInstructions instructions = new FedProx(new FedProxOptions(ProximalMu: 0)).ConfigureRound(1);
        var fedProx = TorchTestData.Job(TwoByTwo, global, data, TorchTestData.Range(40), settings) with { Instructions = instructions };

        // Act
        await pool.TrainAsync(fedAvg);
        await pool.TrainAsync(fedProx);

        // Assert
        Assert.Equal(fedAvg.PseudoGradient.ToArray(), fedProx.PseudoGradient.ToArray());
    }

    [Fact]
    public async Task SecondStepAddsMuTimesTheDistanceToTheGlobalModel()
    {
        // Arrange: one batch holding both samples, two steps. Step 1 starts at the global model, where
        // the proximal term is zero, so w1 = g − lr·∇f(g) as in plain SGD. Step 2:
        // w2 = w1 − lr·(∇f(w1) + μ·(w1 − g)) = w2_plain − lr·μ·(w1 − g), with ∇f(w1) taken from one
        // plain step started at w1 (FedProx.AddProximalGradient is the reference for the bracket).
        var data = new Dataset("hand", [1, 2, 3, -1], [0, 1], [2], 2);
        byte[] global = TorchTestData.Bytes([0.1f, -0.2f, 0.3f, 0.05f, 0.02f, -0.01f]);
        const double lr = 0.1;
        const float mu = 0.5f;
        var oneStep = TorchTestData.Job(TwoByTwo, global, data, [0, 1], new TrainSettings(lr, 2, 1, 0));
        await pool.TrainAsync(oneStep);
        byte[] w1 = TorchTestData.ApplyPseudoGradient(global, oneStep.PseudoGradient);
        var fromW1 = TorchTestData.Job(TwoByTwo, w1, data, [0, 1], new TrainSettings(lr, 2, 1, 0));
        await pool.TrainAsync(fromW1);
        float[] gradient = TorchTestData.Floats(fromW1.PseudoGradient.ToArray());
        for (int i = 0; i < gradient.Length; i++) gradient[i] /= (float)lr;
        FedProx.AddProximalGradient(gradient, TorchTestData.Floats(w1), TorchTestData.Floats(global), mu);
        float[] expected = TorchTestData.Floats(w1);
        for (int i = 0; i < expected.Length; i++) expected[i] -= (float)lr * gradient[i];
        var twoSteps = TorchTestData.Job(TwoByTwo, global, data, [0, 1], new TrainSettings(lr, 2, 2, 0))
            with { Instructions = new ClientInstructions(ProximalMu: mu) };

        // Act
        await pool.TrainAsync(twoSteps);

        // Assert
        float[] local = TorchTestData.Floats(TorchTestData.ApplyPseudoGradient(global, twoSteps.PseudoGradient));
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], local[i], 1e-6f);
    }

    [Fact]
    public async Task PositiveMuPullsTheLocalModelTowardTheGlobalOne()
    {
        // Arrange
        var data = TorchTestData.Separable(40);
        byte[] global = TorchTestData.Bytes(new float[6]);
        var settings = new TrainSettings(0.5, 4, 3, 0);
        var plain = TorchTestData.Job(TwoByTwo, global, data, TorchTestData.Range(40), settings);
        var proximal = TorchTestData.Job(TwoByTwo, global, data, TorchTestData.Range(40), settings)
            with { Instructions = new FedProx(new FedProxOptions(ProximalMu: 1.0)).ConfigureRound(1) };

        // Act
        await pool.TrainAsync(plain);
        await pool.TrainAsync(proximal);

        // Assert: the pseudo-gradient is global − local, so its norm is the local model's distance from the global one.
        double plainDistance = Norm(TorchTestData.Floats(plain.PseudoGradient.ToArray()));
        double proximalDistance = Norm(TorchTestData.Floats(proximal.PseudoGradient.ToArray()));
        Assert.True(proximalDistance > 0, "the proximal run trained");
        Assert.True(proximalDistance < 0.9 * plainDistance, $"distance to the global model: plain {plainDistance}, mu 1: {proximalDistance}");
    }

    private static double Norm(float[] values) => Math.Sqrt(values.Sum(v => (double)v * v));
}
