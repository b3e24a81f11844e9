using Flute.Core.Aggregation;
using Flute.Core.Codecs;
using Flute.Core.Strategies;

namespace Flute.Core.Tests.Aggregation;

public sealed class RoundAggregatorTests
{
    private const int Round = 3;
    private const long Version = 2;

    /// <summary>A buffered strategy that records the order it is handed updates in and takes their plain mean.</summary>
    private sealed class RecordingMean : BufferedStrategy
    {
        public List<long> SeenOrder { get; } = [];

        public override string Name => "test-recording-mean";

        public override void Aggregate(IReadOnlyList<ClientUpdate> updatesByClientId, Span<float> pseudoGradient)
        {
            pseudoGradient.Clear();
            foreach (ClientUpdate u in updatesByClientId)
            {
                SeenOrder.Add(u.ClientId);
                for (int i = 0; i < pseudoGradient.Length; i++) pseudoGradient[i] += u.Update.Span[i] / updatesByClientId.Count;
            }
        }
    }

    private static byte[] Payload(long client, int samples, double loss, params float[] update)
    {
        var header = new PayloadHeader("exp", Round, Version, client, samples, loss, Float32Codec.CodecName);
        int bytes = update.Length * sizeof(float);
        var payload = new byte[PseudoGradientPayload.SizeOf(header, bytes)];
        Memory<byte> data = PseudoGradientPayload.Write(payload, header, bytes);
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(update.AsSpan()).CopyTo(data.Span);
        return payload;
    }

    [Fact]
    public void Buffered_HandsUpdatesOverOrderedByClientIdWhateverTheArrivalOrder()
    {
        // Arrange: clients 9, 2, 5 arrive in that order; the mean of (3, 0), (1, 2), (2, 4) is (2, 2).
        var strategy = new RecordingMean();
        var aggregator = new RoundAggregator(strategy, 2);
        var pseudoGradient = new float[2];

        // Act
        aggregator.Take(Payload(9, 10, 0.5, 3f, 0f), 9, Round, Version);
        aggregator.Take(Payload(2, 20, 0.5, 1f, 2f), 2, Round, Version);
        aggregator.Take(Payload(5, 30, 0.5, 2f, 4f), 5, Round, Version);
        bool any = aggregator.Finish(Round, pseudoGradient);

        // Assert
        Assert.True(any);
        Assert.True(aggregator.IsBuffered);
        Assert.Equal([2L, 5L, 9L], strategy.SeenOrder);
        Assert.Equal([2f, 2f], pseudoGradient);
        Assert.Equal(3, aggregator.Tally.Folded);
    }

    [Fact]
    public void Buffered_RejectsNonFiniteUpdatesAndCountsAClientOnce()
    {
        // Arrange
        var strategy = new RecordingMean();
        var aggregator = new RoundAggregator(strategy, 2);

        // Act
        FoldStatus nan = aggregator.Take(Payload(1, 10, 0.5, float.NaN, 0f), 1, Round, Version);
        FoldStatus first = aggregator.Take(Payload(4, 10, 0.5, 1f, 1f), 4, Round, Version);
        FoldStatus again = aggregator.Take(Payload(4, 10, 0.5, 1f, 1f), 4, Round, Version);

        // Assert
        Assert.Equal(FoldStatus.RejectedNonFinite, nan);
        Assert.Equal(FoldStatus.Folded, first);
        Assert.Equal(FoldStatus.Folded, again);
        Assert.Equal(1, aggregator.Count);
        Assert.Equal(1, aggregator.Tally.Rejected);
        Assert.Equal(1, aggregator.Tally.Folded);
    }

    [Fact]
    public void Buffered_RefusesSiloPartials()
    {
        // Arrange
        var aggregator = new RoundAggregator(new RecordingMean(), 1);

        // Act and assert
        Assert.Throws<InvalidOperationException>(() => aggregator.AddPartial([0L], 0, 0, FixedPointAccumulator.DefaultFractionBits));
    }

    [Fact]
    public void WeightedSum_IsTheSampleWeightedMean()
    {
        // Arrange: FedAvg over (1, 2)×10 and (4, −1)×30: ((10 + 120)/40, (20 − 30)/40) = (3.25, −0.25).
        var aggregator = new RoundAggregator(new FedAvg(), 2);
        var pseudoGradient = new float[2];

        // Act
        aggregator.Take(Payload(7, 10, 1.0, 1f, 2f), 7, Round, Version);
        aggregator.Take(Payload(3, 30, 2.0, 4f, -1f), 3, Round, Version);
        aggregator.Finish(Round, pseudoGradient);

        // Assert
        Assert.False(aggregator.IsBuffered);
        Assert.Equal([3.25f, -0.25f], pseudoGradient);
        // Loss mean weighted by samples: (10·1 + 30·2)/40 = 1.75.
        Assert.Equal(1.75, aggregator.Tally.MeanLoss, 5);
    }

    [Fact]
    public void Finish_WithNoUpdateWritesNothing()
    {
        // Arrange
        var aggregator = new RoundAggregator(new FedAvg(), 2);
        float[] pseudoGradient = [7f, 7f];

        // Act
        bool any = aggregator.Finish(Round, pseudoGradient);

        // Assert
        Assert.False(any);
        Assert.Equal([7f, 7f], pseudoGradient);
    }
}
