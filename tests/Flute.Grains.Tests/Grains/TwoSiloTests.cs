using Flute.Core.Configuration;
using Flute.Core.Data.Mnist;
using Flute.Grains.Hosting;
using Flute.Grains.Storage;
using Flute.Interfaces;
using Orleans.TestingHost;

namespace Flute.Grains.Tests.Grains;

/// <summary>A real in-process cluster of two silos (one trainer each): per-silo partial aggregation against the direct path.</summary>
public sealed class TwoSiloTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;
    private string _dataDir = "";

    public async Task InitializeAsync()
    {
        _dataDir = MnistFetcher.Ensure(null, TextWriter.Null).Directory;
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddFlute(o =>
            {
                o.Trainers = 1;
                o.ThreadsPerTrainer = 1;
            });
            silo.AddFluteStorage(new FluteStorageOptions { Kind = StorageKind.None });
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private async Task<(ExperimentProgress Final, List<RoundMetrics> Rounds)> RunAsync(string id, string aggregation, Action<FluteConfig>? configure = null)
    {
        FluteConfig config = ClusterFixture.SmallConfig(seed: 21, rounds: 4);
        config.Server.Aggregation = aggregation;
        config.Server.ClientsPerRound = 12;
        configure?.Invoke(config);
        return await ClusterFixture.RunToEndAsync(_cluster.Client, id, config, _dataDir);
    }

    /// <summary>Runs the experiment with per-silo partials and with every update sent to the server; both must finish with the same model.</summary>
    private async Task<(List<RoundMetrics> Silo, List<RoundMetrics> Direct)> SameModelOnSilosAndDirectAsync(string name, Action<FluteConfig> configure)
    {
        var (silo, siloRounds) = await RunAsync($"two-silo-{name}", "silo", configure);
        var (direct, directRounds) = await RunAsync($"two-direct-{name}", "direct", configure);
        Assert.Equal(ExperimentStatus.Finished, silo.Status);
        Assert.Equal(ExperimentStatus.Finished, direct.Status);
        Assert.Equal(direct.ModelSha256, silo.ModelSha256);
        return (siloRounds, directRounds);
    }

    [Fact]
    public async Task Central_dp_with_a_quantizing_codec_gives_the_same_model_and_epsilon_on_silo_partials_as_direct()
    {
        // DP noise is added once, after the partials are merged, and quant:4 payloads are decoded on
        // whichever silo folds them: per-silo and direct aggregation must give the same bits.
        static void Dp(FluteConfig c)
        {
            c.Server.Strategy = "dpfedavg";
            c.Client.Codec = "quant:4";
            c.Privacy.ClipNorm = 0.5;
            c.Privacy.NoiseMultiplier = 1.2;
        }
        var (siloRounds, directRounds) = await SameModelOnSilosAndDirectAsync("dp", Dp);

        Assert.Equal(directRounds.Select(r => r.Epsilon), siloRounds.Select(r => r.Epsilon));
        // quant:4 of logreg's two tensors (weight 10×784, bias 10): the tensor count, then per tensor its
        // length, its bounds and its codes: 4 + (4 + 8 + 7840/2) + (4 + 8 + ⌈10/2⌉).
        const long encoded = 4 + (4 + 8 + 3920) + (4 + 8 + 5);
        foreach (RoundMetrics r in siloRounds.Where(r => r.Round > 0))
        {
            Assert.Equal(12 * encoded, r.ClientUpdateBytes);
            Assert.True(r.Epsilon > 0);
            Assert.Equal(1e-5, r.Delta);
        }
    }

    [Fact]
    public async Task Server_aggregate_steps_act_on_the_merged_sum_the_same_on_silo_partials_as_direct()
    {
        // clip then gaussian_noise on each round's pseudo-gradient, after the two silos' partials are merged.
        static void Steps(FluteConfig c)
        {
            c.Server.AggregateSteps = "clip,gaussian_noise";
            c.Privacy.AggregateClipNorm = 0.05;
            c.Privacy.AggregateNoiseStddev = 0.001;
        }
        var (silo, siloRounds) = await RunAsync("two-silo-aggregate-steps", "silo", Steps);
        var (direct, _) = await RunAsync("two-direct-aggregate-steps", "direct", Steps);
        var (plain, _) = await RunAsync("two-silo-no-aggregate-steps", "silo");

        Assert.Equal(ExperimentStatus.Finished, silo.Status);
        Assert.Equal(direct.ModelSha256, silo.ModelSha256);
        Assert.Contains(siloRounds, r => r.SiloClients?.Count == 2);
        Assert.NotEqual(plain.ModelSha256, silo.ModelSha256); // the steps really ran
    }

    [Fact]
    public async Task Secure_aggregation_with_dropouts_merges_two_silos_masked_partials_into_the_unmasked_model()
    {
        // Each silo's partial is a masked sum (uniform in the ring); the server adds both modulo 2^64
        // and removes the masks shared with the clients that dropped out.
        static void Dropout(FluteConfig c)
        {
            c.Devices.Clock = "on";
            c.Devices.Dropout = 0.25;
        }
        var (secure, secureRounds) = await RunAsync("two-silo-secagg", "silo", c =>
        {
            Dropout(c);
            c.Server.SecureAggregation = "on";
        });
        var (plain, _) = await RunAsync("two-direct-plain-dropout", "direct", Dropout);

        Assert.Equal(ExperimentStatus.Finished, secure.Status);
        Assert.Equal(plain.ModelSha256, secure.ModelSha256);
        List<RoundMetrics> trained = [.. secureRounds.Where(r => r.Round > 0)];
        Assert.All(trained, r => Assert.Equal(r.Clients * (r.Sampled - r.Clients), r.MaskPairsRecovered));
        Assert.Contains(trained, r => r.MaskPairsRecovered > 0);
        Assert.Contains(trained, r => r.SiloClients!.Count == 2);
    }

    [Fact]
    public async Task Adaptive_clipping_counts_the_same_clipped_clients_folded_per_silo_as_on_the_server()
    {
        // Poisson cohorts (q = 12/40) and adaptive clipping: the count of unclipped clients travels in each
        // silo's partial and must equal the count the server takes from every reply (direct).
        static void Dp(FluteConfig c)
        {
            c.Server.Strategy = "dpfedavg";
            c.Server.Sampling = "poisson";
            c.Privacy.ClipNorm = 0.5;
            c.Privacy.NoiseMultiplier = 1.0;
            c.Privacy.AdaptiveClipping = "on";
            c.Privacy.ClippedCountStddev = 1.0;
        }
        var (siloRounds, directRounds) = await SameModelOnSilosAndDirectAsync("adaptive", Dp);

        Assert.Equal(directRounds.Select(r => r.ClipNorm), siloRounds.Select(r => r.ClipNorm));
        Assert.Equal(directRounds.Select(r => r.ClippedFraction), siloRounds.Select(r => r.ClippedFraction));
        Assert.Equal(0.5, siloRounds.Single(r => r.Round == 1).ClipNorm);
        foreach (RoundMetrics r in siloRounds.Where(r => r.Round > 0 && r.StepSkipped is null))
        {
            // 1 − clipped_fraction = (unclipped + σ_b·g) / K with g from (seed, ClipCountNoise, round): the
            // count recovered from the metric is a whole number of the round's clients.
            double g = Flute.Core.Randomness.DeterministicRandom.For(21, Flute.Core.Randomness.StreamPurpose.ClipCountNoise, r.Round).NextGaussian();
            double unclipped = (1 - r.ClippedFraction!.Value) * 12 - 1.0 * g;
            Assert.Equal(Math.Round(unclipped), unclipped, 6);
            Assert.InRange(Math.Round(unclipped), 0, r.Clients);
        }
    }

    [Fact]
    public async Task Per_silo_partial_sums_give_the_same_model_as_sending_every_update_to_the_server()
    {
        var (silo, siloRounds) = await RunAsync("two-silo", "silo");
        var (direct, directRounds) = await RunAsync("two-direct", "direct");

        Assert.Equal(ExperimentStatus.Finished, silo.Status);
        Assert.Equal(ExperimentStatus.Finished, direct.Status);
        Assert.Equal(direct.ModelSha256, silo.ModelSha256);
        Assert.Equal(directRounds.Select(r => r.TrainLoss), siloRounds.Select(r => r.TrainLoss));

        const int parameters = 7850; // logreg 784 → 10
        foreach (RoundMetrics r in siloRounds.Where(r => r.Round > 0))
        {
            Assert.Equal(12, r.Clients);
            // Capacity placement puts clients on both silos; each sends one partial: 8 bytes per parameter + 8 per client id.
            Assert.Equal(2, r.SiloClients!.Count);
            Assert.Equal(12, r.SiloClients.Values.Sum());
            Assert.Equal(2L * 8 * parameters + 8 * 12, r.UpdateBytesToServer);
            // The other silo fetched this version's weights once (the experiment grain's silo has them in memory).
            Assert.Equal(4L * parameters, r.ModelBytesToSilos);
        }
        foreach (RoundMetrics r in directRounds.Where(r => r.Round > 0))
        {
            // Every update comes to the server: 12 payloads of at least 4 bytes per parameter.
            Assert.True(r.UpdateBytesToServer >= 12L * 4 * parameters, $"direct update bytes {r.UpdateBytesToServer}");
            Assert.Equal(12, r.SiloClients!["direct"]);
        }
    }
}
