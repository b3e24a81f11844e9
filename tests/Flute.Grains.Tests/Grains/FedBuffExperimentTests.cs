using Flute.Core.Configuration;
using Flute.Interfaces;

namespace Flute.Grains.Tests.Grains;

/// <summary>FedBuff end to end on the virtual clock: repeatable, and a resumed run continues its in-flight updates bit for bit.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FedBuffExperimentTests(ClusterFixture fixture)
{
    private static FluteConfig Config(int rounds, double dropout = 0)
    {
        var config = ClusterFixture.SmallConfig(seed: 67, rounds: rounds);
        config.Server.Strategy = "fedbuff";
        config.Server.FedbuffConcurrency = 6;
        config.Server.FedbuffBuffer = 3;
        config.Devices.Clock = "on";
        config.Devices.Dropout = dropout;
        ConfigLoader.Validate(config);
        return config;
    }

    [Fact]
    public async Task Steps_take_M_arrivals_repeatably_and_resume_bit_for_bit()
    {
        // Act
        var (first, rounds) = await fixture.RunAsync("fedbuff-a", Config(rounds: 4, dropout: 0.2));
        var (again, againRounds) = await fixture.RunAsync("fedbuff-b", Config(rounds: 4, dropout: 0.2));
        const string id = "fedbuff-resumed";
        FluteConfig firstPart = Config(rounds: 2, dropout: 0.2);
        await fixture.RunAsync(id, firstPart);
        ExperimentProgress resumed = await fixture.ResumeToEndAsync(id, firstPart, totalRounds: 4);

        // Assert: C = 6 dispatched at the first step, then the M = 3 that arrived are replaced.
        Assert.Equal(ExperimentStatus.Finished, first.Status);
        Assert.Equal(6, rounds[1].Sampled);
        Assert.All(rounds.Skip(2), r => Assert.Equal(3, r.Sampled));
        Assert.All(rounds.Skip(1), r => Assert.Equal(3, r.Clients));
        Assert.Equal(0.0, rounds[1].Staleness);
        Assert.True(rounds.Skip(1).Select(r => r.VirtualTime!.Value).Zip(rounds.Skip(2).Select(r => r.VirtualTime!.Value)).All(p => p.First <= p.Second));
        Assert.Equal(first.ModelSha256, again.ModelSha256);
        Assert.Equal(rounds.Select(r => r.VirtualTime), againRounds.Select(r => r.VirtualTime));
        Assert.Equal(ExperimentStatus.Finished, resumed.Status);
        Assert.Equal(first.ModelSha256, resumed.ModelSha256);
        Assert.Equal(rounds.Select(r => r.VirtualTime), resumed.NewRounds.Select(r => r.VirtualTime));
    }
}
