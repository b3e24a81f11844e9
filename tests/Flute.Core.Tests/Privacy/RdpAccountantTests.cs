using Flute.Core.Privacy;

namespace Flute.Core.Tests.Privacy;

public sealed class RdpAccountantTests
{
    [Fact]
    public void AcceptanceCase_MatchesTheIndependentNumericalIntegration()
    {
        // q = 0.01, z = 1.1, 10,000 steps, δ = 1e-5, Poisson sampling. docs/privacy/check_accountant.py
        // integrates the privacy-loss moments numerically (not the series used here) and gets
        // ε = 5.6320 at order 4.7 (improved conversion) and 6.2787 at order 4.9 (classic).
        var accountant = new RdpAccountant();
        accountant.Compose(SamplingScheme.Poisson, 0.01, 1.1, 10_000);

        PrivacySpent improved = accountant.GetEpsilon(1e-5);
        PrivacySpent classic = accountant.GetEpsilon(1e-5, EpsilonConversion.Classic);

        Assert.Equal(5.632, improved.Epsilon, 2);
        Assert.Equal(4.7, improved.Order, 10);
        Assert.Equal(6.279, classic.Epsilon, 2);
        Assert.Equal(4.9, classic.Order, 10);
    }

    [Theory]
    // TF Privacy's MNIST DP-SGD tutorial table (batch 256 of 60,000, δ = 1e-5; steps = epochs·60000/256),
    // published with the classic conversion: 2.92, 9.74 and 1.20. The improved column is what
    // docs/privacy/check_accountant.py integrates numerically for the same rows.
    [InlineData(1.12, 14062, 2.92, 2.5186)]
    [InlineData(0.6, 7031, 9.74, 8.7695)]
    [InlineData(1.2, 2343, 1.20, 0.9316)]
    public void PublishedTfPrivacyTable_IsReproduced(double z, long steps, double publishedClassic, double integratedImproved)
    {
        var accountant = new RdpAccountant();
        accountant.Compose(SamplingScheme.Poisson, 256.0 / 60000, z, steps);

        Assert.Equal(publishedClassic, accountant.GetEpsilon(1e-5, EpsilonConversion.Classic).Epsilon, 0.015);
        Assert.Equal(integratedImproved, accountant.GetEpsilon(1e-5).Epsilon, 0.001);
    }

    [Fact]
    public void Compose_AddsRdpLinearlyOverSteps()
    {
        // RDP composes by addition: 3 calls of 100 steps = 1 call of 300 steps, order by order.
        var piecewise = new RdpAccountant();
        var once = new RdpAccountant();
        for (int i = 0; i < 3; i++)
        {
            piecewise.Compose(SamplingScheme.Poisson, 0.02, 1.3, 100);
        }
        once.Compose(SamplingScheme.Poisson, 0.02, 1.3, 300);

        for (int i = 0; i < once.Orders.Count; i++)
        {
            double tolerance = 1e-12 * once.TotalRdp[i];
            Assert.Equal(once.TotalRdp[i], piecewise.TotalRdp[i], tolerance);
            Assert.Equal(300 * SubsampledGaussian.PoissonRdp(0.02, 1.3, once.Orders[i]), once.TotalRdp[i], tolerance);
        }
    }

    [Fact]
    public void ToEpsilon_AppliesEachConversionFormula()
    {
        // RDP 0.5 at α = 11, δ = 1e-5:
        //   classic  = 0.5 + ln(1e5)/10                              = 0.5 + 1.1512925465 = 1.6512925465
        //   improved = 0.5 + ln(10/11) − (ln 1e-5 + ln 11)/10       = 0.5 − 0.0953101798 + 1.1512925465 − 0.2397895273 = 1.3161928394
        Assert.Equal(1.6512925465, RdpAccountant.ToEpsilon(0.5, 11, 1e-5, EpsilonConversion.Classic), 9);
        Assert.Equal(1.3161928394, RdpAccountant.ToEpsilon(0.5, 11, 1e-5, EpsilonConversion.Improved), 9);
    }

    [Fact]
    public void GetEpsilon_ImprovedIsNeverAboveClassic_AndGrowsWithSteps()
    {
        var accountant = new RdpAccountant();
        double previous = 0;
        for (int round = 0; round < 5; round++)
        {
            accountant.Compose(SamplingScheme.Poisson, 0.05, 1.0, 200);
            double improved = accountant.GetEpsilon(1e-6).Epsilon;
            Assert.True(improved <= accountant.GetEpsilon(1e-6, EpsilonConversion.Classic).Epsilon);
            Assert.True(improved > previous);
            previous = improved;
        }
    }

    [Fact]
    public void FixedSize_IsMoreConservativeThanPoissonAtTheSameRatio()
    {
        // Replace-one adjacency doubles the sensitivity, so the fixed-size bound costs more ε.
        var poisson = new RdpAccountant();
        var fixedSize = new RdpAccountant();
        poisson.Compose(SamplingScheme.Poisson, 0.01, 1.1, 1000);
        fixedSize.Compose(SamplingScheme.FixedSize, 0.01, 1.1, 1000);

        PrivacySpent fixedSpent = fixedSize.GetEpsilon(1e-5);
        Assert.True(fixedSpent.Epsilon > poisson.GetEpsilon(1e-5).Epsilon);
        Assert.Equal(Math.Floor(fixedSpent.Order), fixedSpent.Order); // only integer orders have a bound
    }

    [Fact]
    public void SavedTotals_RestoreTheSameEpsilon()
    {
        var original = new RdpAccountant();
        original.Compose(SamplingScheme.Poisson, 0.01, 1.1, 500);

        var restored = new RdpAccountant(original.Orders, original.TotalRdp.ToArray());
        restored.Compose(SamplingScheme.Poisson, 0.01, 1.1, 500);
        original.Compose(SamplingScheme.Poisson, 0.01, 1.1, 500);

        Assert.Equal(original.GetEpsilon(1e-5), restored.GetEpsilon(1e-5));
    }

    [Fact]
    public void DefaultOrders_AreTheTfPrivacyAndOpacusSet()
    {
        IReadOnlyList<double> orders = RdpAccountant.DefaultOrders;

        Assert.Equal(99 + 52, orders.Count);
        Assert.Equal(1.1, orders[0], 12);
        Assert.Equal(10.9, orders[98], 12);
        Assert.Equal(12, orders[99]);
        Assert.Equal(63, orders[^1]);
    }

    [Fact]
    public void BadArguments_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => new RdpAccountant([1.0, 2.0]));
        Assert.Throws<ArgumentException>(() => new RdpAccountant([2.0, 3.0], [0.1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RdpAccountant().GetEpsilon(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RdpAccountant().Compose(SamplingScheme.Poisson, 0.1, 1, -1));
    }
}
