using Flute.Core.Configuration;

namespace Flute.Grains.Tests.Grains;

/// <summary>The client section's optimizer, clipping and schedule keys reach the training the client grains run.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClientTrainingSettingsTests(ClusterFixture fixture)
{
    [Fact]
    public async Task The_client_schedule_sets_the_rate_of_each_round()
    {
        // Arrange: exponential γ 0.5 trains round 1 at client.lr and round 2 at lr/2; step with
        // lr_step_rounds 2 keeps lr for rounds 1 and 2.
        FluteConfig Config(int rounds, string schedule)
        {
            var config = ClusterFixture.SmallConfig(seed: 31, rounds: rounds);
            config.Client.LrSchedule = schedule;
            config.Client.LrGamma = 0.5;
            config.Client.LrStepRounds = 2;
            return config;
        }

        // Act
        var (constant1, _) = await fixture.RunAsync("schedule-constant-1", Config(1, "constant"));
        var (exponential1, _) = await fixture.RunAsync("schedule-exponential-1", Config(1, "exponential"));
        var (constant2, _) = await fixture.RunAsync("schedule-constant-2", Config(2, "constant"));
        var (exponential2, _) = await fixture.RunAsync("schedule-exponential-2", Config(2, "exponential"));
        var (step2, _) = await fixture.RunAsync("schedule-step-2", Config(2, "step"));

        // Assert
        Assert.Equal(constant1.ModelSha256, exponential1.ModelSha256);
        Assert.NotEqual(constant2.ModelSha256, exponential2.ModelSha256);
        Assert.Equal(constant2.ModelSha256, step2.ModelSha256);
    }

    [Fact]
    public async Task Optimizer_and_clipping_keys_change_the_model_and_their_neutral_values_do_not()
    {
        // Arrange
        FluteConfig Config(Action<ClientSection> set)
        {
            var config = ClusterFixture.SmallConfig(seed: 33, rounds: 2);
            set(config.Client);
            return config;
        }

        // Act
        var (plain, _) = await fixture.RunAsync("opt-plain", Config(_ => { }));
        var (neutral, _) = await fixture.RunAsync("opt-neutral", Config(c => { c.AdamBeta1 = 0.5; c.MaxGradNorm = 1e6; }));
        var (momentum, _) = await fixture.RunAsync("opt-momentum", Config(c => c.Momentum = 0.9));
        var (adam, _) = await fixture.RunAsync("opt-adam", Config(c => { c.Optimizer = "adam"; c.Lr = 0.001; }));
        var (adamAgain, _) = await fixture.RunAsync("opt-adam-again", Config(c => { c.Optimizer = "adam"; c.Lr = 0.001; }));
        var (clipped, _) = await fixture.RunAsync("opt-clipped", Config(c => c.MaxGradNorm = 0.01));

        // Assert: Adam's betas do not touch sgd, and a bound far above any gradient norm multiplies by exactly 1.
        Assert.Equal(plain.ModelSha256, neutral.ModelSha256);
        Assert.Equal(adam.ModelSha256, adamAgain.ModelSha256);
        string?[] distinct = [plain.ModelSha256, momentum.ModelSha256, adam.ModelSha256, clipped.ModelSha256];
        Assert.All(distinct, Assert.NotNull);
        Assert.Equal(distinct.Length, distinct.Distinct().Count());
    }
}
