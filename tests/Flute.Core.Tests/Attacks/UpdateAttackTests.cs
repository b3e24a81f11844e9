using Flute.Core.Attacks;
using Flute.Core.Randomness;

namespace Flute.Core.Tests.Attacks;

public sealed class UpdateAttackTests
{
    [Theory]
    // sign_flip with scale 10: −10·[1, −2, 0.5] = [−10, 20, −5].
    [InlineData(AttackType.SignFlip, 10.0, -10f, 20f, -5f)]
    // scale with scale 3: 3·[1, −2, 0.5] = [3, −6, 1.5].
    [InlineData(AttackType.Scale, 3.0, 3f, -6f, 1.5f)]
    // none leaves the update as it is.
    [InlineData(AttackType.None, 3.0, 1f, -2f, 0.5f)]
    public void Apply_ManipulatesTheUpdateInPlace(AttackType type, double scale, float x, float y, float z)
    {
        // Arrange
        float[] update = [1f, -2f, 0.5f];

        // Act
        UpdateAttack.Apply(type, update, scale);

        // Assert
        Assert.Equal([x, y, z], update);
    }

    [Fact]
    public void Apply_GaussianReplacesTheUpdateWithScaledDrawsFromTheGivenStream()
    {
        // Arrange: the update becomes 2·z_i for the stream's standard-normal draws z_i, whatever it held.
        float[] update = [1f, -2f, 0.5f, 4f];
        DeterministicRandom reference = UpdateAttack.NoiseStream(seed: 7, round: 3, clientId: 42);
        float[] expected = [.. Enumerable.Range(0, 4).Select(_ => (float)(2 * reference.NextGaussian()))];

        // Act
        UpdateAttack.Apply(AttackType.Gaussian, update, 2.0, UpdateAttack.NoiseStream(seed: 7, round: 3, clientId: 42));

        // Assert
        Assert.Equal(expected, update);
    }

    [Fact]
    public void Apply_GaussianHasTheScaleAsItsStandardDeviation()
    {
        // Arrange: 40,000 draws; the sample standard deviation of N(0, 0.5²) is within 2% of 0.5 with
        // overwhelming probability (its own standard error is about 0.35%).
        var update = new float[40_000];

        // Act
        UpdateAttack.Apply(AttackType.Gaussian, update, 0.5, UpdateAttack.NoiseStream(1, 1, 1));
        double mean = update.Average(v => (double)v);
        double deviation = Math.Sqrt(update.Average(v => ((double)v - mean) * ((double)v - mean)));

        // Assert
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(deviation, 0.49, 0.51);
    }

    [Fact]
    public void Apply_RejectsBadArguments()
    {
        // Act and assert
        Assert.Throws<ArgumentNullException>(() => UpdateAttack.Apply(AttackType.Gaussian, new float[2], 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => UpdateAttack.Apply(AttackType.Gaussian, new float[2], -1.0, UpdateAttack.NoiseStream(1, 1, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => UpdateAttack.Apply(AttackType.Scale, new float[2], double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => UpdateAttack.Apply((AttackType)99, new float[2], 1.0));
    }
}
