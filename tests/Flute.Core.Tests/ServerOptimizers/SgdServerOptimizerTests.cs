using Flute.Core.ServerOptimizers;

namespace Flute.Core.Tests.ServerOptimizers;

public sealed class SgdServerOptimizerTests
{
    [Fact]
    public void Step_WithLearningRateOneAndNoMomentumSubtractsThePseudoGradient()
    {
        // Arrange: w1 = [1 − 0.5, 2 + 1] = [0.5, 3]; w2 = [0.5 − 1, 3 − 1] = [−0.5, 2].
        var optimizer = new SgdServerOptimizer(learningRate: 1, momentum: 0);
        float[] weights = [1f, 2f];

        // Act
        optimizer.Step(weights, [0.5f, -1f]);
        float[] afterFirst = (float[])weights.Clone();
        optimizer.Step(weights, [1f, 1f]);

        // Assert
        Assert.Equal([0.5f, 3f], afterFirst);
        Assert.Equal([-0.5f, 2f], weights);
        Assert.Empty(optimizer.ExportState());
    }

    [Fact]
    public void Step_WithMomentumAccumulatesVelocity()
    {
        // Arrange: lr 0.5, μ 0.5.
        // Step 1: v = [0.5, −1]; w = [1 − 0.25, 2 + 0.5] = [0.75, 2.5].
        // Step 2: v = 0.5·[0.5, −1] + [1, 1] = [1.25, 0.5]; w = [0.75 − 0.625, 2.5 − 0.25] = [0.125, 2.25].
        var optimizer = new SgdServerOptimizer(learningRate: 0.5, momentum: 0.5);
        float[] weights = [1f, 2f];

        // Act
        optimizer.Step(weights, [0.5f, -1f]);
        float[] afterFirst = (float[])weights.Clone();
        optimizer.Step(weights, [1f, 1f]);

        // Assert
        Assert.Equal([0.75f, 2.5f], afterFirst);
        Assert.Equal([0.125f, 2.25f], weights);
        Assert.Equal([1.25f, 0.5f], Assert.Single(optimizer.ExportState()));
    }

    [Fact]
    public void ImportState_ResumesExactlyWhereExportStateLeftOff()
    {
        // Arrange
        float[][] gradients = [[0.3f, -0.7f, 1.1f], [0.2f, 0.9f, -0.4f], [-1.3f, 0.05f, 0.6f]];
        var uninterrupted = new SgdServerOptimizer(0.7, 0.9);
        float[] expected = [1f, -1f, 0.5f];
        foreach (float[] g in gradients)
        {
            uninterrupted.Step(expected, g);
        }
        var beforePause = new SgdServerOptimizer(0.7, 0.9);
        float[] weights = [1f, -1f, 0.5f];
        beforePause.Step(weights, gradients[0]);

        // Act
        IReadOnlyList<float[]> state = beforePause.ExportState();
        var resumed = new SgdServerOptimizer(0.7, 0.9);
        resumed.ImportState(state);
        state[0][0] = float.NaN;
        resumed.Step(weights, gradients[1]);
        resumed.Step(weights, gradients[2]);

        // Assert: bitwise, and the import copied rather than aliased the exported arrays.
        Assert.Equal(expected, weights);
    }

    [Fact]
    public void ImportState_RejectsStateThatDoesNotFit()
    {
        // Arrange
        var plain = new SgdServerOptimizer(1, 0);
        var withMomentum = new SgdServerOptimizer(1, 0.9);

        // Act and assert
        Assert.Throws<ArgumentException>(() => plain.ImportState([new float[3]]));
        Assert.Throws<ArgumentException>(() => withMomentum.ImportState([new float[3], new float[3]]));
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(-1.0, 0.0)]
    [InlineData(double.NaN, 0.0)]
    [InlineData(1.0, 1.0)]
    [InlineData(1.0, -0.1)]
    public void Constructor_RejectsInvalidHyperParameters(double learningRate, double momentum)
    {
        // Act and assert
        Assert.Throws<ArgumentOutOfRangeException>(() => new SgdServerOptimizer(learningRate, momentum));
    }

    [Fact]
    public void Step_RejectsMismatchedLengths()
    {
        // Arrange
        var optimizer = new SgdServerOptimizer();

        // Act and assert
        Assert.Throws<ArgumentException>(() => optimizer.Step(new float[3], new float[2]));
    }
}
