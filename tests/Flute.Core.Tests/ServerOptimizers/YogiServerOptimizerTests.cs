using Flute.Core.ServerOptimizers;

namespace Flute.Core.Tests.ServerOptimizers;

public sealed class YogiServerOptimizerTests
{
    [Fact]
    public void Step_FollowsTheYogiRuleForTwoSteps()
    {
        // Arrange: η 0.5, β1 0.5, β2 0.75, τ 1, so m₀ = 0 and v₀ = 1; w₀ = [1, −2].
        // v ← v − (1 − β2)·g²·sign(v − g²) = v − 0.25·g²·sign(v − g²).
        // Step 1, g = [2, 1]: g² = [4, 1]; sign(1 − 4) = −1, sign(1 − 1) = 0
        //   v = [1 + 1, 1 − 0] = [2, 1]; m = 0.5·g = [1, 0.5]
        //   w = [1 − 0.5·1/(√2 + 1), −2 − 0.5·0.5/(1 + 1)] = [1 − 0.2071068, −2.125] = [0.7928932, −2.125]
        // Step 2, g = [0, 3]: g² = [0, 9]; sign(2 − 0) = +1, sign(1 − 9) = −1
        //   v = [2 − 0, 1 + 2.25] = [2, 3.25]; m = 0.5·[1, 0.5] + 0.5·[0, 3] = [0.5, 1.75]
        //   w = [0.7928932 − 0.25/(√2 + 1), −2.125 − 0.875/(√3.25 + 1)]
        //     = [0.7928932 − 0.1035534, −2.125 − 0.875/2.8027756] = [0.6893398, −2.4371905]
        var optimizer = new YogiServerOptimizer(new AdaptiveOptimizerOptions(LearningRate: 0.5, Beta1: 0.5, Beta2: 0.75, Tau: 1));
        float[] weights = [1f, -2f];

        // Act
        optimizer.Step(weights, [2f, 1f]);
        float[] afterFirst = (float[])weights.Clone();
        IReadOnlyList<float[]> stateAfterFirst = optimizer.ExportState();
        optimizer.Step(weights, [0f, 3f]);

        // Assert
        OptimizerAssert.Close([0.7928932f, -2.125f], afterFirst);
        Assert.Equal([1f, 0.5f], stateAfterFirst[0]);
        Assert.Equal([2f, 1f], stateAfterFirst[1]);
        OptimizerAssert.Close([0.6893398f, -2.4371905f], weights);
        IReadOnlyList<float[]> state = optimizer.ExportState();
        Assert.Equal([0.5f, 1.75f], state[0]);
        Assert.Equal([2f, 3.25f], state[1]);
        Assert.Equal("yogi", optimizer.Name);
    }

    [Fact]
    public void Step_WithASquareThatOverflowsKeepsGoingInsteadOfThrowing()
    {
        // Arrange: g = 1e30 gives g² = ∞, so v becomes ∞ and the next v − g² is ∞ − ∞ = NaN, on which
        // MathF.Sign would throw.
        var optimizer = new YogiServerOptimizer(new AdaptiveOptimizerOptions(LearningRate: 0.1));
        float[] weights = [1f];

        // Act
        Exception? error = Record.Exception(() =>
        {
            optimizer.Step(weights, [1e30f]);
            optimizer.Step(weights, [1e30f]);
        });

        // Assert
        Assert.Null(error);
    }
}
