using Flute.Core.ServerOptimizers;

namespace Flute.Core.Tests.ServerOptimizers;

public sealed class AdagradServerOptimizerTests
{
    [Fact]
    public void Step_AccumulatesSquaredPseudoGradientsForTwoSteps()
    {
        // Arrange: η 0.5, β1 0.5, τ 1 (β2 unused), so m₀ = 0 and v₀ = 1; w₀ = [1, −2]. v ← v + g².
        // Step 1, g = [1, 0]: v = [2, 1]; m = [0.5, 0]
        //   w = [1 − 0.5·0.5/(√2 + 1), −2 − 0] = [1 − 0.1035534, −2] = [0.8964466, −2]
        // Step 2, g = [1, 2]: v = [3, 5]; m = 0.5·[0.5, 0] + 0.5·[1, 2] = [0.75, 1]
        //   w = [0.8964466 − 0.375/(√3 + 1), −2 − 0.5/(√5 + 1)]
        //     = [0.8964466 − 0.1372595, −2 − 0.1545085] = [0.7591871, −2.1545085]
        var optimizer = new AdagradServerOptimizer(new AdaptiveOptimizerOptions(LearningRate: 0.5, Beta1: 0.5, Tau: 1));
        float[] weights = [1f, -2f];

        // Act
        optimizer.Step(weights, [1f, 0f]);
        float[] afterFirst = (float[])weights.Clone();
        IReadOnlyList<float[]> stateAfterFirst = optimizer.ExportState();
        optimizer.Step(weights, [1f, 2f]);

        // Assert
        OptimizerAssert.Close([0.8964466f, -2f], afterFirst);
        Assert.Equal([0.5f, 0f], stateAfterFirst[0]);
        Assert.Equal([2f, 1f], stateAfterFirst[1]);
        OptimizerAssert.Close([0.7591871f, -2.1545085f], weights);
        IReadOnlyList<float[]> state = optimizer.ExportState();
        Assert.Equal([0.75f, 1f], state[0]);
        Assert.Equal([3f, 5f], state[1]);
        Assert.Equal("adagrad", optimizer.Name);
    }
}
