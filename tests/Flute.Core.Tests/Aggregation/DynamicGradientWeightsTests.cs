using Flute.Core.Aggregation;

namespace Flute.Core.Tests.Aggregation;

public sealed class DynamicGradientWeightsTests
{
    [Fact]
    public void Softmax_WeighsEachClientByExpOfMinusBetaLoss()
    {
        // Arrange: β 1, losses [0, ln 2, ln 4] → exp(−ℓ) = [1, 1/2, 1/4], sum 7/4 → [4/7, 2/7, 1/7].
        double[] losses = [0, Math.Log(2), Math.Log(4)];

        // Act
        double[] weights = DynamicGradientWeights.Softmax(losses, beta: 1);

        // Assert
        Assert.Equal(4.0 / 7, weights[0], 1e-12);
        Assert.Equal(2.0 / 7, weights[1], 1e-12);
        Assert.Equal(1.0 / 7, weights[2], 1e-12);
    }

    [Fact]
    public void Softmax_StaysFiniteWhereTheUnshiftedExponentialsUnderflow()
    {
        // Arrange: β 2, losses [1000, 1000 + ln 2]: exp(−2000) is 0 in double, but shifted by the minimum
        // the weights are [1, e^(−2 ln 2) = 1/4] → [0.8, 0.2]. A NaN loss gets weight 0.
        double[] losses = [1000, 1000 + Math.Log(2), double.NaN];

        // Act
        double[] weights = DynamicGradientWeights.Softmax(losses, beta: 2);

        // Assert
        Assert.Equal(0.8, weights[0], 1e-12);
        Assert.Equal(0.2, weights[1], 1e-12);
        Assert.Equal(0.0, weights[2]);
    }

    [Fact]
    public void ClientWeight_OnTheWeightedSumPathGivesTheSoftmaxWeightedMean()
    {
        // Arrange: updates [1], [4], [7] with losses [0, ln 2, ln 4] and β 1.
        //   Softmax mean: 4/7·1 + 2/7·4 + 1/7·7 = 19/7.
        //   Weighted sum: weights exp(−ℓ) = [1, 0.5, 0.25]; (1 + 2 + 1.75) / 1.75 = 4.75 / 1.75 = 19/7.
        var accumulator = new FixedPointAccumulator(1);
        double[] losses = [0, Math.Log(2), Math.Log(4)];
        float[][] updates = [[1f], [4f], [7f]];
        var mean = new float[1];

        // Act
        for (int k = 0; k < updates.Length; k++)
        {
            Assert.Equal(FoldStatus.Folded, accumulator.TryFold(updates[k], DynamicGradientWeights.ClientWeight(losses[k], beta: 1)));
        }
        accumulator.WeightedMean(mean);

        // Assert
        Assert.Equal(19f / 7, mean[0], 1e-6f);
    }

    [Fact]
    public void ClientWeight_IsShiftedByTheReferenceAndSafeForAnyLoss()
    {
        // Act and assert: exp(−1·((3 + ln 2) − 3)) = 1/2; a huge negative exponent is clamped, not
        // turned into NaN or infinity; a non-finite loss weighs 0 (the accumulator rejects it).
        Assert.Equal(0.5, DynamicGradientWeights.ClientWeight(3 + Math.Log(2), beta: 1, referenceLoss: 3), 1e-12);
        Assert.Equal(Math.Exp(700), DynamicGradientWeights.ClientWeight(-1e6, beta: 1));
        Assert.Equal(Math.Exp(-700), DynamicGradientWeights.ClientWeight(1e6, beta: 1));
        Assert.Equal(0.0, DynamicGradientWeights.ClientWeight(double.PositiveInfinity, beta: 1));
        Assert.Equal(0.0, DynamicGradientWeights.ClientWeight(double.NaN, beta: 1));
        Assert.Equal(1.0, DynamicGradientWeights.ClientWeight(5, beta: 0));
    }

    [Fact]
    public void Softmax_RejectsANegativeBetaAndACohortWithoutAFiniteLoss()
    {
        // Act and assert
        Assert.Throws<ArgumentOutOfRangeException>(() => DynamicGradientWeights.Softmax([1.0], beta: -1));
        Assert.Throws<ArgumentException>(() => DynamicGradientWeights.Softmax([double.NaN], beta: 1));
    }
}
