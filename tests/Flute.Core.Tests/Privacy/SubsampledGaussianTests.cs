using Flute.Core.Privacy;

namespace Flute.Core.Tests.Privacy;

public sealed class SubsampledGaussianTests
{
    [Fact]
    public void PoissonRdp_AtOrderTwo_IsLogOfOnePlusQSquaredTimesExpMinusOne()
    {
        // A_2 = (1−q)² + 2q(1−q) + q² e^(1/z²) = 1 + q²(e^(1/z²) − 1); RDP(2) = log A_2 / (2 − 1).
        double q = 0.01, z = 1.1;
        double expected = Math.Log(1 + q * q * (Math.Exp(1 / (z * z)) - 1));

        Assert.Equal(expected, SubsampledGaussian.PoissonRdp(q, z, 2), 15);
    }

    [Fact]
    public void PoissonRdp_AtOrderThree_IsTheBinomialSumByHand()
    {
        // A_3 = (1−q)³ + 3q(1−q)² + 3q²(1−q) e^(1/z²) + q³ e^(3/z²)  (exponent (i² − i)/(2z²) for i = 0..3)
        double q = 0.05, z = 0.8;
        double a3 = Math.Pow(1 - q, 3) + 3 * q * Math.Pow(1 - q, 2)
            + 3 * q * q * (1 - q) * Math.Exp(1 / (z * z)) + Math.Pow(q, 3) * Math.Exp(3 / (z * z));

        Assert.Equal(Math.Log(a3) / 2, SubsampledGaussian.PoissonRdp(q, z, 3), 14);
    }

    [Theory]
    [InlineData(0.01, 1.1, 3)]
    [InlineData(0.01, 1.1, 20)]
    [InlineData(0.1, 0.7, 7)]
    [InlineData(0.004, 2.0, 40)]
    public void FractionalSeries_AgreesWithTheIntegerSeriesAtIntegerOrders(double q, double z, int order)
    {
        // The erfc series is valid for every real order, so at an integer it must give the binomial sum.
        double integer = SubsampledGaussian.LogAInteger(q, z, order);
        double fractional = SubsampledGaussian.LogAFractional(q, z, order);

        Assert.Equal(integer, fractional, 9);
    }

    [Fact]
    public void PoissonRdp_WithoutSubsamplingIsTheGaussianMechanism_AndZeroWithoutSampling()
    {
        // q = 1: the plain Gaussian mechanism, RDP(α) = α / (2 z²).
        Assert.Equal(2.5 / (2 * 1.5 * 1.5), SubsampledGaussian.PoissonRdp(1, 1.5, 2.5), 15);
        Assert.Equal(0, SubsampledGaussian.PoissonRdp(0, 1.5, 2.5));
    }

    [Fact]
    public void PoissonRdp_IsNonDecreasingInTheOrderAndBelowTheUnsampledMechanism()
    {
        double previous = 0;
        foreach (double order in RdpAccountant.DefaultOrders)
        {
            double rdp = SubsampledGaussian.PoissonRdp(0.01, 1.1, order);
            Assert.True(rdp >= previous * (1 - 1e-12), $"RDP({order}) = {rdp} < {previous}");
            Assert.True(rdp <= order / (2 * 1.1 * 1.1), $"RDP({order}) = {rdp} exceeds the unsampled Gaussian");
            previous = rdp;
        }
    }

    [Fact]
    public void FixedSizeRdp_AtOrderTwo_IsTheTheoremNineSecondOrderTerm()
    {
        // Replace-one sensitivity 2C: ε_G(2) = 2·2/z². Theorem 9 at α = 2 keeps only
        // log(1 + γ² C(2,2) min{4(e^ε(2) − 1), 2 e^ε(2)}) / (2 − 1).
        double gamma = 0.01, z = 1.1;
        double epsilon2 = 4 / (z * z);
        double expected = Math.Log(1 + gamma * gamma * Math.Min(4 * (Math.Exp(epsilon2) - 1), 2 * Math.Exp(epsilon2)));

        Assert.Equal(expected, SubsampledGaussian.FixedSizeRdp(gamma, z, 2), 14);
    }

    [Fact]
    public void FixedSizeRdp_AtOrderThree_AddsTheThirdOrderTerm()
    {
        // + γ³ C(3,3) e^(2 ε_G(3)) · 2, with ε_G(3) = 6/z²; then divided by α − 1 = 2.
        double gamma = 0.02, z = 2.0;
        double epsilon2 = 4 / (z * z), epsilon3 = 6 / (z * z);
        double sum = 1 + gamma * gamma * 3 * Math.Min(4 * (Math.Exp(epsilon2) - 1), 2 * Math.Exp(epsilon2))
            + Math.Pow(gamma, 3) * Math.Exp(2 * epsilon3) * 2;

        Assert.Equal(Math.Log(sum) / 2, SubsampledGaussian.FixedSizeRdp(gamma, z, 3), 14);
    }

    [Fact]
    public void FixedSizeRdp_HasNoBoundAtFractionalOrders_AndIsTheGaussianAtFullSampling()
    {
        Assert.Equal(double.PositiveInfinity, SubsampledGaussian.FixedSizeRdp(0.01, 1.1, 2.5));
        Assert.Equal(2.0 * 5 / (1.1 * 1.1), SubsampledGaussian.FixedSizeRdp(1, 1.1, 5), 14);
    }

    [Theory]
    [InlineData(-0.1, 1.0, 2.0)]
    [InlineData(1.1, 1.0, 2.0)]
    [InlineData(0.1, 0.0, 2.0)]
    [InlineData(0.1, 1.0, 1.0)]
    [InlineData(double.NaN, 1.0, 2.0)]
    public void PoissonRdp_RejectsOutOfRangeArguments(double q, double z, double order)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SubsampledGaussian.PoissonRdp(q, z, order));
    }
}
