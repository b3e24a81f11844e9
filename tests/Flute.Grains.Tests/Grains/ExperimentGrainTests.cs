using Flute.Interfaces;

namespace Flute.Grains.Tests.Grains;

[Collection(ClusterCollection.Name)]
public sealed class ExperimentGrainTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Three_rounds_train_through_one_client_grain_activation_per_cohort_member()
    {
        var config = ClusterFixture.SmallConfig(seed: 7, rounds: 3);
        long activatedBefore = fixture.Activity.Activated;

        var (final, rounds) = await fixture.RunAsync("grain-three-rounds", config);

        Assert.Equal(ExperimentStatus.Finished, final.Status);
        Assert.Null(final.Error);
        Assert.Equal(3, final.RoundsCompleted);
        // Round 0 is the initial model's evaluation: no clients, no training loss.
        Assert.Equal([0, 1, 2, 3], rounds.Select(r => r.Round));
        Assert.Equal((0, 0), (rounds[0].Sampled, rounds[0].Clients));
        Assert.True(double.IsNaN(rounds[0].TrainLoss));
        Assert.NotNull(rounds[0].TestAccuracy);
        Assert.All(rounds.Skip(1), r =>
        {
            Assert.Equal(5, r.Sampled);
            Assert.Equal(5, r.Clients);
            Assert.True(double.IsFinite(r.TrainLoss) && r.TrainLoss > 0);
            Assert.NotNull(r.TestAccuracy);
        });
        // Each sampled client is activated for its round and deactivated after it: 3 rounds × 5.
        Assert.Equal(15, fixture.Activity.Activated - activatedBefore);
        Assert.Matches("^[0-9a-f]{64}$", final.ModelSha256);
    }

    [Fact]
    public async Task Client_grains_deactivate_after_their_round()
    {
        var config = ClusterFixture.SmallConfig(seed: 11, rounds: 2);

        await fixture.RunAsync("grain-deactivation", config);

        // Deactivation runs right after each call; give the scheduler a moment.
        for (int i = 0; i < 100 && fixture.Activity.Alive > 0; i++) await Task.Delay(20);
        Assert.Equal(0, fixture.Activity.Alive);
    }

    [Fact]
    public async Task Same_seed_gives_the_same_model_and_another_seed_a_different_one()
    {
        var (a, _) = await fixture.RunAsync("grain-seed-a", ClusterFixture.SmallConfig(seed: 21));
        var (b, _) = await fixture.RunAsync("grain-seed-b", ClusterFixture.SmallConfig(seed: 21));
        var (c, _) = await fixture.RunAsync("grain-seed-c", ClusterFixture.SmallConfig(seed: 22));

        Assert.Equal(a.ModelSha256, b.ModelSha256);
        Assert.NotEqual(a.ModelSha256, c.ModelSha256);
    }

    [Fact]
    public async Task Starting_twice_with_the_same_spec_is_harmless_and_with_another_is_refused()
    {
        var config = ClusterFixture.SmallConfig(seed: 5, rounds: 1);
        var (first, _) = await fixture.RunAsync("grain-restart", config);
        var grain = fixture.Cluster.Client.GetGrain<IExperimentGrain>("grain-restart");
        var spec = await grain.GetSpecAsync();

        await grain.StartAsync(spec);
        var other = spec with { ConfigJson = Flute.Core.Configuration.ConfigJson.Serialize(ClusterFixture.SmallConfig(seed: 6, rounds: 1)) };
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.StartAsync(other));

        Assert.Equal(ExperimentStatus.Finished, first.Status);
        Assert.Contains("already started", error.Message);
    }

    [Fact]
    public async Task Clients_without_samples_are_sampled_but_contribute_no_update()
    {
        // Dirichlet(0.01) over 1,000 clients puts each digit on a handful of clients: most are empty.
        var config = ClusterFixture.SmallConfig(seed: 9, rounds: 2);
        config.Data.Partition = "dirichlet";
        config.Data.Alpha = 0.01;
        config.Data.NumClients = 1000;
        config.Server.ClientsPerRound = 40;

        var (final, rounds) = await fixture.RunAsync("grain-empty-clients", config);

        Assert.Equal(ExperimentStatus.Finished, final.Status);
        Assert.All(rounds.Where(r => r.Round > 0), r =>
        {
            Assert.Equal(40, r.Sampled);
            Assert.InRange(r.Clients, 0, 39);
            Assert.Equal(0, r.Rejected);
        });
        Assert.Contains(rounds, r => r.Clients > 0);
    }

    [Fact]
    public async Task Failed_training_calls_are_retried_and_change_nothing()
    {
        var config = ClusterFixture.SmallConfig(seed: 31, rounds: 3);
        int failuresBefore = fixture.Flaky.Failures;

        var (clean, _) = await fixture.RunAsync("steady-retry", config);
        var (flaky, rounds) = await fixture.RunAsync(FlakyClientFilter.Prefix + "retry", config);

        Assert.Equal(ExperimentStatus.Finished, flaky.Status);
        Assert.Equal(15, fixture.Flaky.Failures - failuresBefore);
        Assert.All(rounds.Where(r => r.Round > 0), r =>
        {
            Assert.Equal(5, r.Retries);
            Assert.Equal(5, r.Clients);
        });
        Assert.Equal(clean.ModelSha256, flaky.ModelSha256);
    }
}
