using Flute.Core.Configuration;
using Flute.Interfaces;

namespace Flute.Grains.Tests.Grains;

/// <summary>
/// Simulated secure aggregation end to end: clients send masked fixed-point updates, silos and the
/// server add them modulo 2^64, and the server removes the masks of cohort members that sent nothing.
/// The fixed-point sum is exact, so the model must be the very one of the same run without masks.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SecureAggregationExperimentTests(ClusterFixture fixture)
{
    private static FluteConfig Config(string secure, string aggregation = "direct", double dropout = 0, string strategy = "fedavg")
    {
        var config = ClusterFixture.SmallConfig(seed: 67, rounds: 3);
        config.Server.Strategy = strategy;
        config.Server.Aggregation = aggregation;
        config.Server.SecureAggregation = secure;
        if (dropout > 0)
        {
            config.Devices.Clock = "on";
            config.Devices.Dropout = dropout;
        }
        ConfigLoader.Validate(config);
        return config;
    }

    [Fact]
    public async Task Masked_runs_give_the_unmasked_model_direct_on_silos_and_with_retried_clients()
    {
        // Act
        var (plain, _) = await fixture.RunAsync("secagg-plain", Config("off"));
        var (direct, directRounds) = await fixture.RunAsync("secagg-direct", Config("on"));
        var (onSilo, siloRounds) = await fixture.RunAsync("secagg-silo", Config("on", aggregation: "silo"));
        var (retried, retriedRounds) = await fixture.RunAsync(FlakyClientFilter.Prefix + "secagg", Config("on"));

        // Assert: nobody dropped out, so no leftover masks; the retries re-derived the same masks.
        Assert.Equal(ExperimentStatus.Finished, direct.Status);
        Assert.Equal(plain.ModelSha256, direct.ModelSha256);
        Assert.Equal(plain.ModelSha256, onSilo.ModelSha256);
        Assert.Equal(plain.ModelSha256, retried.ModelSha256);
        Assert.All(Trained(directRounds), r => Assert.Equal(0, r.MaskPairsRecovered));
        Assert.True(Trained(siloRounds).All(r => r.SiloClients is { } s && !s.ContainsKey("direct")), "the silo run sent updates to the server");
        Assert.All(Trained(retriedRounds), r => Assert.Equal(5, r.Retries));
        // One long per value of logreg's 784 × 10 + 10 parameters, instead of one float.
        Assert.All(Trained(directRounds), r => Assert.Equal(r.Clients * 7850L * sizeof(long), r.ClientUpdateBytes));
    }

    [Fact]
    public async Task With_dropouts_the_leftover_masks_are_removed_and_the_model_is_unchanged()
    {
        // Act: 40% of each sampled cohort drops out after the masks were agreed.
        var (plain, plainRounds) = await fixture.RunAsync("secagg-drop-plain", Config("off", dropout: 0.4));
        var (masked, rounds) = await fixture.RunAsync("secagg-drop-direct", Config("on", dropout: 0.4));
        var (onSilo, _) = await fixture.RunAsync("secagg-drop-silo", Config("on", aggregation: "silo", dropout: 0.4));

        // Assert: every (folded, missing) pair was recovered, and some round had dropouts.
        Assert.Equal(ExperimentStatus.Finished, masked.Status);
        Assert.Equal(plain.ModelSha256, masked.ModelSha256);
        Assert.Equal(plain.ModelSha256, onSilo.ModelSha256);
        Assert.Equal(Trained(plainRounds).Select(r => r.Clients), Trained(rounds).Select(r => r.Clients));
        Assert.All(Trained(rounds), r => Assert.Equal(r.Clients * (r.Sampled - r.Clients), r.MaskPairsRecovered));
        Assert.Contains(Trained(rounds), r => r.MaskPairsRecovered > 0);
        Assert.All(Trained(plainRounds), r => Assert.Null(r.MaskPairsRecovered));
    }

    [Fact]
    public async Task Updates_the_fold_would_reject_are_not_sent_and_their_masks_are_removed()
    {
        // Arrange: two of five clients scale their update by 1e30, beyond the fixed-point range.
        FluteConfig Attacked(string secure, string aggregation = "direct")
        {
            FluteConfig config = Config(secure, aggregation);
            config.Attack.Type = "scale";
            config.Attack.Fraction = 0.4;
            config.Attack.Scale = 1e30;
            ConfigLoader.Validate(config);
            return config;
        }

        // Act
        var (plain, plainRounds) = await fixture.RunAsync("secagg-reject-plain", Attacked("off"));
        var (masked, rounds) = await fixture.RunAsync("secagg-reject-direct", Attacked("on"));
        var (onSilo, siloRounds) = await fixture.RunAsync("secagg-reject-silo", Attacked("on", "silo"));

        // Assert: the fold rejects them unmasked; masked, the clients refuse to send, 3 × 2 pairs remain.
        Assert.Equal(ExperimentStatus.Finished, masked.Status);
        Assert.All(Trained(plainRounds), r => Assert.Equal(2, r.Rejected));
        Assert.All(Trained(rounds).Concat(Trained(siloRounds)), r =>
        {
            Assert.Equal(2, r.Rejected);
            Assert.Equal(3, r.Clients);
            Assert.Equal(6, r.MaskPairsRecovered);
        });
        Assert.Equal(plain.ModelSha256, masked.ModelSha256);
        Assert.Equal(plain.ModelSha256, onSilo.ModelSha256);
    }

    [Fact]
    public async Task Scaffold_masks_its_whole_update_pseudo_gradient_and_control_delta()
    {
        var (plain, _) = await fixture.RunAsync("secagg-scaffold-plain", Config("off", strategy: "scaffold"));
        var (masked, _) = await fixture.RunAsync("secagg-scaffold-on", Config("on", strategy: "scaffold"));

        Assert.Equal(ExperimentStatus.Finished, masked.Status);
        Assert.Equal(plain.ModelSha256, masked.ModelSha256);
    }

    private static IEnumerable<RoundMetrics> Trained(IEnumerable<RoundMetrics> rounds) => rounds.Where(r => r.Round > 0);
}
