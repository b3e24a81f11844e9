using Flute.Core.ServerOptimizers;

namespace Flute.Core.Tests.ServerOptimizers;

public sealed class AdaptiveServerOptimizerTests
{
    public static TheoryData<string> Names => ["adam", "yogi", "adagrad"];

    private static AdaptiveServerOptimizer Create(string name, AdaptiveOptimizerOptions options) => name switch
    {
        "adam" => new AdamServerOptimizer(options),
        "yogi" => new YogiServerOptimizer(options),
        _ => new AdagradServerOptimizer(options),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void ImportState_ResumesBitForBitWhereExportStateLeftOff(string name)
    {
        // Arrange
        var options = new AdaptiveOptimizerOptions(LearningRate: 0.03);
        float[][] gradients = [[0.3f, -0.7f, 1.1f], [0.2f, 0.9f, -0.4f], [-1.3f, 0.05f, 0.6f]];
        AdaptiveServerOptimizer uninterrupted = Create(name, options);
        float[] expected = [1f, -1f, 0.5f];
        foreach (float[] g in gradients)
        {
            uninterrupted.Step(expected, g);
        }
        AdaptiveServerOptimizer beforePause = Create(name, options);
        float[] weights = [1f, -1f, 0.5f];
        beforePause.Step(weights, gradients[0]);

        // Act
        IReadOnlyList<float[]> state = beforePause.ExportState();
        AdaptiveServerOptimizer resumed = Create(name, options);
        resumed.ImportState(state);
        state[0][0] = float.NaN;
        state[1][0] = float.NaN;
        resumed.Step(weights, gradients[1]);
        resumed.Step(weights, gradients[2]);

        // Assert: bitwise, and the import copied rather than aliased the exported arrays.
        Assert.Equal(expected, weights);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ExportState_IsEmptyBeforeTheFirstStepAndAnEmptyImportRestartsFromTauSquared(string name)
    {
        // Arrange: with τ 0.5 a fresh optimizer's first step leaves v = β2·0.25 + … (Adam) or 0.25 + g²
        // (Adagrad); a reset optimizer must repeat exactly the fresh one's first step.
        var options = new AdaptiveOptimizerOptions(LearningRate: 0.1, Tau: 0.5);
        AdaptiveServerOptimizer fresh = Create(name, options);
        AdaptiveServerOptimizer reset = Create(name, options);
        float[] freshWeights = [0.5f, 0.25f];
        float[] resetWeights = [0.5f, 0.25f];
        reset.Step(new float[2], [3f, -4f]);

        // Act
        IReadOnlyList<float[]> before = fresh.ExportState();
        reset.ImportState([]);
        fresh.Step(freshWeights, [1f, 2f]);
        reset.Step(resetWeights, [1f, 2f]);

        // Assert
        Assert.Empty(before);
        Assert.Equal(freshWeights, resetWeights);
        Assert.Equal(fresh.ExportState()[1], reset.ExportState()[1]);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ImportState_RejectsStateThatDoesNotFit(string name)
    {
        // Arrange
        AdaptiveServerOptimizer optimizer = Create(name, new AdaptiveOptimizerOptions(0.1));

        // Act and assert
        Assert.Throws<ArgumentException>(() => optimizer.ImportState([new float[3]]));
        Assert.Throws<ArgumentException>(() => optimizer.ImportState([new float[3], new float[2]]));
        Assert.Throws<ArgumentException>(() => optimizer.ImportState([new float[3], new float[3], new float[3]]));
    }

    [Fact]
    public void Step_RejectsALengthOtherThanTheMoments()
    {
        // Arrange
        var optimizer = new AdamServerOptimizer(new AdaptiveOptimizerOptions(0.1));
        optimizer.Step(new float[3], [1f, 2f, 3f]);

        // Act and assert
        Assert.Throws<ArgumentException>(() => optimizer.Step(new float[2], new float[2]));
        Assert.Throws<ArgumentException>(() => optimizer.Step(new float[3], new float[2]));
    }

    [Theory]
    [InlineData(0.0, 0.9, 0.99, 1e-3, "LearningRate")]
    [InlineData(double.NaN, 0.9, 0.99, 1e-3, "LearningRate")]
    [InlineData(0.1, 1.0, 0.99, 1e-3, "Beta1")]
    [InlineData(0.1, -0.1, 0.99, 1e-3, "Beta1")]
    [InlineData(0.1, 0.9, 1.0, 1e-3, "Beta2")]
    [InlineData(0.1, 0.9, 0.99, 0.0, "Tau")]
    [InlineData(0.1, 0.9, 0.99, double.PositiveInfinity, "Tau")]
    public void Constructor_NamesTheOptionOutOfRange(double learningRate, double beta1, double beta2, double tau, string option)
    {
        // Act
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new YogiServerOptimizer(new AdaptiveOptimizerOptions(learningRate, beta1, beta2, tau)));

        // Assert
        Assert.Equal(option, error.ParamName);
    }
}
