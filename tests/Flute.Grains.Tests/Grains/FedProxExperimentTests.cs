using Flute.Interfaces;

namespace Flute.Grains.Tests.Grains;

/// <summary>FedProx end to end: config → strategy → training request → client hook.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FedProxExperimentTests(ClusterFixture fixture)
{
    [Fact]
    public async Task FedProx_with_mu_zero_ends_with_fedavgs_model_and_a_positive_mu_with_another()
    {
        // Arrange
        var fedAvg = ClusterFixture.SmallConfig(seed: 31, rounds: 2);
        var proxZero = ClusterFixture.SmallConfig(seed: 31, rounds: 2);
        proxZero.Server.Strategy = "fedprox";
        proxZero.Server.ProximalMu = 0;
        var prox = ClusterFixture.SmallConfig(seed: 31, rounds: 2);
        prox.Server.Strategy = "fedprox";
        prox.Server.ProximalMu = 0.5;

        // Act
        var (avg, _) = await fixture.RunAsync("fedprox-baseline", fedAvg);
        var (zero, _) = await fixture.RunAsync("fedprox-mu0", proxZero);
        var (positive, rounds) = await fixture.RunAsync("fedprox-mu05", prox);

        // Assert
        Assert.Equal(ExperimentStatus.Finished, positive.Status);
        Assert.Equal(avg.ModelSha256, zero.ModelSha256);
        Assert.NotEqual(avg.ModelSha256, positive.ModelSha256);
        Assert.All(rounds.Where(r => r.Round > 0), r => Assert.Equal(5, r.Clients));
    }
}
