using Flute.Core.ServerOptimizers;

namespace Flute.Core.Tests.ServerOptimizers;

public sealed class AdamServerOptimizerTests
{
    [Fact]
    public void Step_FollowsAlgorithmTwoOfReddiEtAlForTwoSteps()
    {
        // Arrange: η 0.5, β1 0.5, β2 0.5, τ 0.5, so m₀ = 0 and v₀ = τ² = 0.25; w₀ = [1, −2].
        // Step 1, g = [0.5, −1]:
        //   m = 0.5·0 + 0.5·g = [0.25, −0.5]
        //   v = 0.5·0.25 + 0.5·g² = 0.125 + [0.125, 0.5] = [0.25, 0.625]
        //   w = w − 0.5·m/(√v + 0.5) = [1 − 0.125/1, −2 + 0.25/(0.7905694 + 0.5)] = [0.875, −1.8062871]
        // Step 2, g = [−1, 2]:
        //   m = 0.5·[0.25, −0.5] + 0.5·[−1, 2] = [−0.375, 0.75]
        //   v = 0.5·[0.25, 0.625] + 0.5·[1, 4] = [0.625, 2.3125]
        //   w = [0.875 + 0.1875/(0.7905694 + 0.5), −1.8062871 − 0.375/(1.5206906 + 0.5)]
        //     = [0.875 + 0.1452847, −1.8062871 − 0.1855801] = [1.0202847, −1.9918672]
        var optimizer = new AdamServerOptimizer(new AdaptiveOptimizerOptions(LearningRate: 0.5, Beta1: 0.5, Beta2: 0.5, Tau: 0.5));
        float[] weights = [1f, -2f];

        // Act
        optimizer.Step(weights, [0.5f, -1f]);
        float[] afterFirst = (float[])weights.Clone();
        IReadOnlyList<float[]> stateAfterFirst = optimizer.ExportState();
        optimizer.Step(weights, [-1f, 2f]);

        // Assert
        OptimizerAssert.Close([0.875f, -1.8062871f], afterFirst);
        Assert.Equal([0.25f, -0.5f], stateAfterFirst[0]);
        Assert.Equal([0.25f, 0.625f], stateAfterFirst[1]);
        OptimizerAssert.Close([1.0202847f, -1.9918672f], weights);
        IReadOnlyList<float[]> state = optimizer.ExportState();
        Assert.Equal([-0.375f, 0.75f], state[0]);
        Assert.Equal([0.625f, 2.3125f], state[1]);
        Assert.Equal("adam", optimizer.Name);
    }

    [Fact]
    public void Constructor_UsesThePaperDefaults()
    {
        // Act
        var optimizer = new AdamServerOptimizer(new AdaptiveOptimizerOptions(LearningRate: 0.01));

        // Assert
        Assert.Equal(new AdaptiveOptimizerOptions(0.01, 0.9, 0.99, 1e-3), optimizer.Options);
    }
}
