using System.Runtime.InteropServices;
using Flute.Core.Aggregation;
using Flute.Core.Codecs;
using Flute.Core.Strategies;
using Flute.Grains.Runtime;
using Flute.Interfaces;

namespace Flute.Grains.Tests.Runtime;

public sealed class PartialAggregatesTests
{
    private static readonly IStrategy FedAvg = new FedAvg();

    private static byte[] Payload(long client, int round, long version, int samples, double loss, params float[] update)
    {
        var header = new PayloadHeader("e", round, version, client, samples, loss, Float32Codec.CodecName);
        int bytes = update.Length * sizeof(float);
        var payload = new byte[PseudoGradientPayload.SizeOf(header, bytes)];
        MemoryMarshal.AsBytes(update.AsSpan()).CopyTo(PseudoGradientPayload.Write(payload, header, bytes).Span);
        return payload;
    }

    private static float[] Mean(PartialAggregate partial)
    {
        var sums = FixedPointAccumulator.FromState(MemoryMarshal.Cast<byte, long>(partial.Sums), partial.WeightSum, partial.ClientIds.Length, partial.FractionBits);
        var mean = new float[sums.Length];
        sums.WeightedMean(mean);
        return mean;
    }

    [Fact]
    public void A_silo_partial_holds_the_sample_weighted_sum_and_its_client_ids()
    {
        var partials = new PartialAggregates();
        // FedAvg weights by samples: (3 · [1, 2] + 1 · [0.5, -1]) / 4 = [0.875, 1.25]; loss (3 · 0.5 + 1 · 1.5) / 4 = 0.75.
        Assert.Equal(FoldStatus.Folded, partials.Fold("e", 4, 3, 11, Payload(11, 4, 3, 3, 0.5, 1f, 2f), FedAvg, 2));
        Assert.Equal(FoldStatus.Folded, partials.Fold("e", 4, 3, 12, Payload(12, 4, 3, 1, 1.5, 0.5f, -1f), FedAvg, 2));

        PartialAggregate partial = partials.Take("e", 4, 3, clientGrainsActive: 7)!;

        Assert.Equal([11L, 12L], partial.ClientIds.Order());
        Assert.Equal([0.875f, 1.25f], Mean(partial));
        Assert.Equal(2 * sizeof(long), partial.Sums.Length);
        Assert.Equal(7, partial.ClientGrainsActive);
        var tally = new RoundTally();
        tally.Merge(partial.ClientIds.Length, partial.LossSum, partial.LossWeight, partial.LossCount);
        Assert.Equal(0.75, tally.MeanLoss, 6);
        Assert.Equal(2, tally.Folded);
        // Taken once: the round's partial is gone.
        Assert.Null(partials.Take("e", 4, 3, 0));
    }

    [Fact]
    public void A_client_folded_twice_on_a_silo_counts_once_and_a_rejected_update_is_not_listed()
    {
        var partials = new PartialAggregates();
        byte[] update = Payload(5, 1, 0, 2, 0.1, 4f);
        Assert.Equal(FoldStatus.Folded, partials.Fold("e", 1, 0, 5, update, FedAvg, 1));
        // A retried call that also finished here: the same receipt, no second fold.
        Assert.Equal(FoldStatus.Folded, partials.Fold("e", 1, 0, 5, Payload(5, 1, 0, 2, 0.1, 4f), FedAvg, 1));
        Assert.Equal(FoldStatus.RejectedNonFinite, partials.Fold("e", 1, 0, 6, Payload(6, 1, 0, 2, 0.1, float.NaN), FedAvg, 1));

        PartialAggregate partial = partials.Take("e", 1, 0, 0)!;
        Assert.Equal([5L], partial.ClientIds);
        Assert.Equal([4f], Mean(partial));
    }

    [Fact]
    public void Partials_are_kept_per_experiment_and_round_and_a_wrong_model_version_is_refused()
    {
        var partials = new PartialAggregates();
        partials.Fold("a", 2, 1, 1, Payload(1, 2, 1, 1, 0, 1f), FedAvg, 1);
        partials.Fold("b", 2, 1, 1, Payload(1, 2, 1, 1, 0, 3f), FedAvg, 1);
        Assert.Throws<InvalidDataException>(() => partials.Fold("a", 2, 9, 2, Payload(2, 2, 9, 1, 0, 1f), FedAvg, 1));
        // The header must match the request.
        Assert.Throws<InvalidDataException>(() => partials.Fold("a", 2, 1, 3, Payload(4, 2, 1, 1, 0, 1f), FedAvg, 1));
        // A partial asked for with another model version is not handed over.
        Assert.Null(partials.Take("b", 2, 2, 0));
        Assert.Equal([1f], Mean(partials.Take("a", 2, 1, 0)!));
        partials.Remove("b");
        Assert.Null(partials.Take("b", 2, 1, 0));
    }
}
