using Flute.Core.Configuration;
using Flute.Core.Strategies;

namespace Flute.Core.Tests.Strategies;

public sealed class FedProxTests
{
    [Fact]
    public void AddProximalGradient_AddsMuTimesTheDistanceToTheGlobalModel()
    {
        // Arrange: ∇(f + μ/2·‖w − g‖²) = ∇f + μ(w − g), μ = 0.5:
        // (1 + 0.5·(3 − 1), −2 + 0.5·(0 − 4), 0.25 + 0.5·(−1 − (−1))) = (2, −4, 0.25).
        float[] gradient = [1f, -2f, 0.25f];
        float[] local = [3f, 0f, -1f];
        float[] global = [1f, 4f, -1f];

        // Act
        FedProx.AddProximalGradient(gradient, local, global, 0.5f);

        // Assert
        Assert.Equal([2f, -4f, 0.25f], gradient);
    }

    [Fact]
    public void ConfigureRound_CarriesMuToEveryClient_AndWeightsBySamples()
    {
        // Arrange
        var strategy = new FedProx(new FedProxOptions(ProximalMu: 0.25));

        // Act
        ClientInstructions instructions = strategy.ConfigureRound(7);
        double weight = strategy.ClientWeight(new ClientUpdateInfo(37, 9.0));

        // Assert
        Assert.Equal(0.25, instructions.ProximalMu);
        Assert.False(instructions.IsNone);
        Assert.Equal(37.0, weight);
        Assert.Equal(AggregatorKind.WeightedSum, strategy.Aggregator);
        Assert.Null(strategy.ExportState());
    }

    [Fact]
    public void Registry_BuildsFedProxWithMuFromTheConfig()
    {
        // Arrange
        var config = ConfigLoader.LoadText("""
            experiment:
              rounds: 1
            server:
              strategy: fedprox
              proximal_mu: 0.3
            """, "fedprox.yaml", []);

        // Act
        IStrategy strategy = StrategyRegistry.Create(config);

        // Assert
        Assert.Equal(0.3, Assert.IsType<FedProx>(strategy).Options.ProximalMu);
    }

    [Fact]
    public void Defaults_MuIsOneHundredth()
    {
        // Act
        var config = ConfigLoader.LoadText("experiment:\n  rounds: 1\nserver:\n  strategy: fedprox\n", "fedprox.yaml", []);

        // Assert
        Assert.Equal(0.01, Assert.IsType<FedProx>(StrategyRegistry.Create(config)).Options.ProximalMu);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Constructor_RejectsMuThatIsNegativeOrNotFinite(double mu)
    {
        // Act and assert
        Assert.Throws<ArgumentOutOfRangeException>(() => new FedProx(new FedProxOptions(mu)));
    }

    [Fact]
    public void Config_RejectsANegativeMuNamingTheKey()
    {
        // Act
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.LoadText("experiment:\n  rounds: 1\nserver:\n  proximal_mu: -1\n", "bad.yaml", []));

        // Assert
        Assert.Contains("server.proximal_mu", error.Message);
    }
}
