using Flute.Core.Attacks;
using Flute.Core.Configuration;
using Flute.Interfaces;

namespace Flute.Grains.Tests.Grains;

/// <summary>
/// Attack simulation end to end: the server picks each round's attackers, their requests carry the
/// attack, and the client manipulates its update before it is folded (on the silo or here) or buffered.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AttackExperimentTests(ClusterFixture fixture)
{
    private static FluteConfig Config(string strategy = "fedavg", string type = "none", double fraction = 0, double scale = 10, string aggregation = "direct")
    {
        var config = ClusterFixture.SmallConfig(seed: 53, rounds: 2);
        config.Server.Strategy = strategy;
        config.Server.Aggregation = aggregation;
        config.Attack.Type = type;
        config.Attack.Fraction = fraction;
        config.Attack.Scale = scale;
        ConfigLoader.Validate(config);
        return config;
    }

    [Fact]
    public async Task No_attack_leaves_the_model_unchanged_and_reports_no_attackers()
    {
        // Act
        var (clean, cleanRounds) = await fixture.RunAsync("attack-clean", Config());
        var (typeNone, noneRounds) = await fixture.RunAsync("attack-type-none", Config(type: "none", fraction: 0.4));
        var (fractionZero, zeroRounds) = await fixture.RunAsync("attack-fraction-zero", Config(type: "sign_flip", fraction: 0));

        // Assert
        Assert.Equal(ExperimentStatus.Finished, clean.Status);
        Assert.Equal(clean.ModelSha256, typeNone.ModelSha256);
        Assert.Equal(clean.ModelSha256, fractionZero.ModelSha256);
        Assert.All(Trained(cleanRounds.Concat(noneRounds)), r => Assert.Null(r.Attacked));
        Assert.All(Trained(zeroRounds), r => Assert.Equal(0, r.Attacked));
    }

    [Fact]
    public async Task Sign_flip_on_a_share_of_the_cohort_counts_the_attackers_changes_the_model_and_is_deterministic()
    {
        // Arrange: round(0.4 × 5) = 2 attackers per round.
        int expected = AttackerSelection.AttackerCount(5, 0.4);
        Assert.Equal(2, expected);

        // Act
        var (clean, _) = await fixture.RunAsync("attack-sf-clean", Config());
        var (attacked, rounds) = await fixture.RunAsync("attack-sf-a", Config(type: "sign_flip", fraction: 0.4));
        var (again, _) = await fixture.RunAsync("attack-sf-b", Config(type: "sign_flip", fraction: 0.4));
        var (onSilo, siloRounds) = await fixture.RunAsync("attack-sf-silo", Config(type: "sign_flip", fraction: 0.4, aggregation: "silo"));

        // Assert: folding on the silo sees the same manipulated updates as sending them here.
        Assert.Equal(ExperimentStatus.Finished, attacked.Status);
        Assert.Equal(2, Trained(rounds).Count());
        Assert.All(Trained(rounds), r => Assert.Equal(expected, r.Attacked));
        Assert.All(Trained(rounds), r => Assert.Equal(5, r.Clients));
        Assert.NotEqual(clean.ModelSha256, attacked.ModelSha256);
        Assert.Equal(attacked.ModelSha256, again.ModelSha256);
        Assert.True(Trained(siloRounds).All(r => r.SiloClients is { } s && !s.ContainsKey("direct")), "the silo run sent updates to the server");
        Assert.Equal(attacked.ModelSha256, onSilo.ModelSha256);
    }

    [Fact]
    public async Task A_buffered_strategy_sees_the_manipulated_updates()
    {
        // Act: Gaussian noise replaces two of five updates; the median moves, deterministically.
        var (clean, _) = await fixture.RunAsync("attack-median-clean", Config(strategy: "median"));
        var (noisy, rounds) = await fixture.RunAsync("attack-median-a", Config(strategy: "median", type: "gaussian", fraction: 0.4, scale: 1));
        var (again, _) = await fixture.RunAsync("attack-median-b", Config(strategy: "median", type: "gaussian", fraction: 0.4, scale: 1));

        // Assert
        Assert.Equal(ExperimentStatus.Finished, noisy.Status);
        Assert.All(Trained(rounds), r => Assert.Equal(2, r.Attacked));
        Assert.NotEqual(clean.ModelSha256, noisy.ModelSha256);
        Assert.Equal(noisy.ModelSha256, again.ModelSha256);
    }

    /// <summary>The trained rounds: round 0 is the initial model's evaluation, with no clients and no attack.</summary>
    private static IEnumerable<RoundMetrics> Trained(IEnumerable<RoundMetrics> rounds) => rounds.Where(r => r.Round > 0);
}
