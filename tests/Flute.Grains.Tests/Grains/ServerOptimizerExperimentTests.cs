using Flute.Core.Configuration;
using Flute.Core.Persistence;
using Flute.Core.ServerOptimizers;
using Flute.Interfaces;

namespace Flute.Grains.Tests.Grains;

/// <summary>
/// Server optimizers and the server schedule end to end on the test cluster: the moments of the
/// adaptive optimizers go through the checkpoint, and the scheduled rate reaches the server step.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ServerOptimizerExperimentTests(ClusterFixture fixture)
{
    /// <summary>The small logreg experiment with an adaptive optimizer at its default rate (set here: a config built in code resolves nothing).</summary>
    private static FluteConfig Adaptive(string optimizer, int rounds)
    {
        FluteConfig config = ClusterFixture.SmallConfig(seed: 41, rounds: rounds);
        config.Server.Optimizer = optimizer;
        config.Server.Lr = ServerOptimizerDefaults.LearningRate(optimizer);
        return config;
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("yogi")]
    [InlineData("adagrad")]
    public async Task A_run_resumed_from_round_three_of_five_ends_with_the_straight_runs_model(string optimizer)
    {
        // Arrange: the same experiment straight through 5 rounds, and stopped after 3.
        FluteConfig five = Adaptive(optimizer, 5), three = Adaptive(optimizer, 3);
        var (straight, _) = await fixture.RunAsync($"opt-{optimizer}-straight", five);
        var (stopped, _) = await fixture.RunAsync($"opt-{optimizer}-resumed", three);
        var (fedAvg, _) = await fixture.RunAsync($"opt-{optimizer}-fedavg", ClusterFixture.SmallConfig(seed: 41, rounds: 5));
        string id = $"opt-{optimizer}-resumed";
        LoadedCheckpoint? committed = await new CheckpointWriter(new LocalCheckpointStore(fixture.StoreDir)).LoadRoundAsync(id, 3);

        // Act: the resume builds a fresh optimizer and imports round 3's moments from the checkpoint.
        var grain = fixture.Cluster.Client.GetGrain<IExperimentGrain>(id);
        await grain.ResumeAsync(new ResumeRequest(new ExperimentSpec(id, ConfigJson.Serialize(five), fixture.DataDir), 5, [], null, 0));
        ExperimentProgress resumed = await WaitAsync(grain);
        ExperimentProgress history = await grain.GetProgressAsync(0);

        // Assert
        Assert.Equal(ExperimentStatus.Finished, stopped.Status);
        Assert.Equal(ExperimentStatus.Finished, resumed.Status);
        Assert.Equal(straight.ModelSha256, resumed.ModelSha256);
        Assert.NotEqual(fedAvg.ModelSha256, straight.ModelSha256);
        // Round 3's checkpoint holds [m, v], one value per logreg weight (784·10 + 10).
        Assert.NotNull(committed);
        Assert.Equal([7850, 7850], committed!.OptimizerState.Select(a => a.Length));
        Assert.Contains(committed.OptimizerState[0], m => m != 0);
        // Every round once, round 0 (the initial evaluation) included.
        Assert.Equal([0, 1, 2, 3, 4, 5], history.NewRounds.Select(r => r.Round));
    }

    [Fact]
    public async Task The_server_step_takes_the_scheduled_rate_and_an_undecaying_schedule_changes_no_bit()
    {
        // Arrange: server momentum 0.5 so every round's rate matters to the final weights.
        FluteConfig constant = ClusterFixture.SmallConfig(seed: 43, rounds: 3);
        constant.Server.Momentum = 0.5;
        FluteConfig flatStep = ClusterFixture.SmallConfig(seed: 43, rounds: 3);
        flatStep.Server.Momentum = 0.5;
        flatStep.Server.LrSchedule = "step";
        flatStep.Server.LrGamma = 1;
        flatStep.Server.LrStepRounds = 1;
        FluteConfig decaying = ClusterFixture.SmallConfig(seed: 43, rounds: 3);
        decaying.Server.Momentum = 0.5;
        decaying.Server.LrSchedule = "exponential";
        decaying.Server.LrGamma = 0.5;

        // Act
        var (a, _) = await fixture.RunAsync("sched-constant", constant);
        var (b, _) = await fixture.RunAsync("sched-step-flat", flatStep);
        var (c, _) = await fixture.RunAsync("sched-exponential", decaying);

        // Assert: step with γ 1 is lr every round, the constant schedule's bits; halving the rate is another model.
        Assert.Equal(ExperimentStatus.Finished, c.Status);
        Assert.Equal(a.ModelSha256, b.ModelSha256);
        Assert.NotEqual(a.ModelSha256, c.ModelSha256);
    }

    private static async Task<ExperimentProgress> WaitAsync(IExperimentGrain grain)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (true)
        {
            ExperimentProgress progress = await grain.GetProgressAsync(int.MaxValue);
            if (progress.Status is ExperimentStatus.Finished or ExperimentStatus.Failed) return progress;
            await Task.Delay(20, timeout.Token);
        }
    }
}
