using Flute.Core.Aggregation;
using Flute.Core.Codecs;
using Flute.Core.Persistence;
using Flute.Core.Sampling;
using Flute.Core.Strategies;
using Flute.Grains.Rounds;
using Flute.Grains.Tests.Grains;
using Flute.Interfaces;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flute.Grains.Tests.Rounds;

/// <summary>
/// The buffered aggregator through the round runner with real client grains: the strategy gets every
/// update, ordered by client id, whatever the window (and so the arrival order).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class BufferedRoundTests(ClusterFixture fixture)
{
    /// <summary>The sample-weighted mean in float, update by update (in the order handed over).</summary>
    private sealed class BufferedMean : BufferedStrategy
    {
        public List<long[]> Orders { get; } = [];

        public override string Name => "test-buffered-mean";

        public override void Aggregate(IReadOnlyList<ClientUpdate> updatesByClientId, Span<float> pseudoGradient)
        {
            Orders.Add([.. updatesByClientId.Select(u => u.ClientId)]);
            double total = updatesByClientId.Sum(u => (double)u.SampleCount);
            pseudoGradient.Clear();
            foreach (ClientUpdate u in updatesByClientId)
            {
                float weight = (float)(u.SampleCount / total);
                ReadOnlySpan<float> update = u.Update.Span;
                for (int i = 0; i < pseudoGradient.Length; i++) pseudoGradient[i] += weight * update[i];
            }
        }
    }

    [Fact]
    public async Task Buffered_updates_reach_the_strategy_in_client_order_for_any_window_and_match_the_weighted_sum()
    {
        // Arrange: a finished one-round experiment holds model versions 0 and 1; train "round 2" on version 1.
        var config = ClusterFixture.SmallConfig(seed: 41, rounds: 1);
        config.Server.ClientsPerRound = 12;
        const string id = "buffered-round";
        var (final, _) = await fixture.RunAsync(id, config);
        Assert.Equal(ExperimentStatus.Finished, final.Status);
        long[] cohort = CohortSampler.Sample(config.Data.NumClients, 12, config.Experiment.Seed, 2);
        var request = new TrainRequest(id, 2, 1, config.Experiment.Seed);
        var runner = new RoundRunner(fixture.Cluster.Client, new PayloadBufferPool(), CrashPoints.None, NullLogger.Instance);
        int parameters = 7850; // logreg on MNIST: 784 × 10 + 10
        var strategy = new BufferedMean();

        // Act
        async Task<float[]> RunAsync(IStrategy s, int window)
        {
            var aggregator = new RoundAggregator(s, parameters);
            await runner.RunAsync(cohort, request, window, 0, aggregator, new HashSet<string>());
            var result = new float[parameters];
            Assert.True(aggregator.Finish(2, result));
            Assert.Equal(12, aggregator.Tally.Folded);
            return result;
        }
        float[] one = await RunAsync(strategy, 1);
        float[] wide = await RunAsync(strategy, 12);
        float[] exact = await RunAsync(new FedAvg(), 12);

        // Assert
        long[] sorted = [.. cohort.Order()];
        Assert.Equal(2, strategy.Orders.Count);
        Assert.All(strategy.Orders, order => Assert.Equal(sorted, order));
        Assert.Equal(one, wide);
        for (int i = 0; i < parameters; i++) Assert.Equal(exact[i], one[i], 1e-6f);
    }
}
