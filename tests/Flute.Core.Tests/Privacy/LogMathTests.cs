using Flute.Core.Privacy;

namespace Flute.Core.Tests.Privacy;

public sealed class LogMathTests
{
    [Theory]
    // Reference values of erfc (Abramowitz & Stegun table 7.1 / any CAS).
    [InlineData(0.0, 1.0)]
    [InlineData(0.5, 0.4795001221869535)]
    [InlineData(1.0, 0.15729920705028513)]
    [InlineData(2.0, 0.004677734981047266)]
    [InlineData(3.0, 2.209049699858544e-05)]
    [InlineData(-1.0, 1.8427007929497148)]
    public void LogErfc_MatchesReferenceValues(double x, double erfc)
    {
        // Act
        double logErfc = LogMath.LogErfc(x);

        // Assert: relative error of erfc below 1e-12
        Assert.Equal(1.0, Math.Exp(logErfc) / erfc, 12);
    }

    [Fact]
    public void LogErfc_StaysFiniteWhereErfcUnderflows()
    {
        // erfc(10) = 2.088487583762545e-45 and erfc(40) ≈ e^-1600 / (40 √π) · (1 − 1/(2x²) + 3/(4x⁴)): the latter underflows a double.
        Assert.Equal(Math.Log(2.088487583762545e-45), LogMath.LogErfc(10), 10);
        double expected = -1600 - Math.Log(40 * Math.Sqrt(Math.PI)) + Math.Log(1 - 1 / (2.0 * 1600) + 3 / (4.0 * 1600 * 1600));
        Assert.Equal(expected, LogMath.LogErfc(40), 6);
    }

    [Fact]
    public void AddAndSubtract_AreTheLogsOfSumAndDifference()
    {
        // log(2 + 3) and log(3 - 2)
        Assert.Equal(Math.Log(5), LogMath.Add(Math.Log(2), Math.Log(3)), 14);
        Assert.Equal(0, LogMath.Subtract(Math.Log(3), Math.Log(2)), 14);
        // -∞ is log 0
        Assert.Equal(Math.Log(7), LogMath.Add(double.NegativeInfinity, Math.Log(7)), 14);
        Assert.Equal(Math.Log(7), LogMath.Subtract(Math.Log(7), double.NegativeInfinity), 14);
        Assert.Equal(double.NegativeInfinity, LogMath.Subtract(1.5, 1.5));
        // Large magnitudes that overflow exp: log(e^1000 + e^1000) = 1000 + log 2
        Assert.Equal(1000 + Math.Log(2), LogMath.Add(1000, 1000), 10);
        Assert.Throws<ArgumentException>(() => LogMath.Subtract(Math.Log(2), Math.Log(3)));
    }
}
