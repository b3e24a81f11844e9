using System.Runtime.InteropServices;
using Flute.Core.Aggregation;
using Flute.Core.Codecs;
using Flute.Core.Strategies;

namespace Flute.Core.Tests.Aggregation;

/// <summary>
/// A securely aggregated round through the same path the grains use: masked payloads folded on a
/// "silo" (UpdateFold), its partial merged by the server, another update taken directly, a dropout.
/// </summary>
public sealed class SecureRoundAggregatorTests
{
    private const int Round = 5;
    private const long Version = 4;

    private static float[] Update(long client) => [0.1f * client, -0.03f * client, 1f / (client + 1)];

    private static byte[] Payload(PairwiseMasks? masks, long client, int samples)
    {
        float[] update = Update(client);
        string codec = masks is null ? Float32Codec.CodecName : PairwiseMasks.CodecName;
        var header = new PayloadHeader("exp", Round, Version, client, samples, 0.5, codec);
        int bytes = update.Length * (masks is null ? sizeof(float) : sizeof(long));
        var payload = new byte[PseudoGradientPayload.SizeOf(header, bytes)];
        Memory<byte> data = PseudoGradientPayload.Write(payload, header, bytes);
        if (masks is null) MemoryMarshal.AsBytes(update.AsSpan()).CopyTo(data.Span);
        // FedAvg weighs by sample count; the client applies it before masking.
        else Assert.Equal(FoldStatus.Folded, masks.TryWriteMasked(update, samples, data.Span, client));
        return payload;
    }

    [Fact]
    public void SiloPartialPlusDirectUpdateWithADropout_GivesTheUnmaskedPseudoGradientBitForBit()
    {
        // Arrange: cohort {1, 4, 6, 9}; 6 drops out; 1 and 9 fold on a silo, 4 reaches the server.
        long[] cohort = [1, 4, 6, 9];
        var masks = new PairwiseMasks(11, Round, cohort);
        var plain = new RoundAggregator(new FedAvg(), 3);
        var secure = new RoundAggregator(new FedAvg(), 3);
        plain.Reset();
        secure.Reset(masks);
        var silo = new FixedPointAccumulator(3);
        var siloTally = new RoundTally();

        // Act
        foreach (long c in new long[] { 1, 4, 9 }) plain.Take(Payload(null, c, 10 + (int)c), c, Round, Version);
        foreach (long c in new long[] { 9, 1 })
            Assert.Equal(FoldStatus.Folded, UpdateFold.Fold(Payload(masks, c, 10 + (int)c), c, Round, Version, new FedAvg(), silo, siloTally));
        secure.AddPartial(silo.Sums, silo.WeightSum, silo.Count, silo.FractionBits, [9, 1]);
        Assert.Equal(FoldStatus.Folded, secure.Take(Payload(masks, 4, 14), 4, Round, Version));
        var expected = new float[3];
        var actual = new float[3];
        plain.Finish(Round, expected);
        secure.Finish(Round, actual);

        // Assert: three survivors each shared a mask with client 6.
        Assert.Equal(3, secure.LeftoverMaskPairs);
        Assert.Equal(MemoryMarshal.AsBytes(expected.AsSpan()).ToArray(), MemoryMarshal.AsBytes(actual.AsSpan()).ToArray());
    }

    [Fact]
    public void MaskedRound_IsRefusedForABufferedStrategy_AndAMaskedPartialNeedsItsClients()
    {
        var masks = new PairwiseMasks(11, Round, [1, 2]);
        Assert.Throws<InvalidOperationException>(() => new RoundAggregator(new MedianStrategy(), 3).Reset(masks));
        var secure = new RoundAggregator(new FedAvg(), 3);
        secure.Reset(masks);
        Assert.Throws<InvalidOperationException>(() => secure.AddPartial(new long[3], 1L << 36, 1, FixedPointAccumulator.DefaultFractionBits));
    }
}
