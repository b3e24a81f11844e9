using System.Runtime.InteropServices;
using Flute.Core.Aggregation;
using Flute.Core.Codecs;
using Flute.Core.Configuration;
using Flute.Core.Strategies;

namespace Flute.Core.Tests.Strategies;

public sealed class DgaTests
{
    private const long Version = 4;

    private static byte[] Payload(long client, int round, double loss, params float[] update)
    {
        var header = new PayloadHeader("exp", round, Version, client, 50, loss, Float32Codec.CodecName);
        int bytes = update.Length * sizeof(float);
        var payload = new byte[PseudoGradientPayload.SizeOf(header, bytes)];
        Memory<byte> data = PseudoGradientPayload.Write(payload, header, bytes);
        MemoryMarshal.AsBytes(update.AsSpan()).CopyTo(data.Span);
        return payload;
    }

    private static ClientUpdate Update(long client, double loss, params float[] values) => new(client, 50, loss, values);

    [Theory]
    // 1024·exp(−β·ℓ): ℓ = 0 → 1024; β = 1, ℓ = ln 2 → 512; β = 2, ℓ = 0.5 → 1024/e = 376.7085…; β = 0 → 1024 whatever the loss.
    [InlineData(1.0, 0.0, 1024.0)]
    [InlineData(1.0, 0.6931471805599453, 512.0)]
    [InlineData(2.0, 0.5, 376.70854775955695)]
    [InlineData(0.0, 57.0, 1024.0)]
    // A negative loss counts as 0; a NaN or infinite loss weighs 0 (rejected).
    [InlineData(1.0, -3.0, 1024.0)]
    [InlineData(1.0, double.NaN, 0.0)]
    [InlineData(1.0, double.PositiveInfinity, 0.0)]
    [InlineData(1.0, double.NegativeInfinity, 0.0)]
    public void ClientWeight_Is1024TimesExpOfMinusBetaLoss(double beta, double loss, double expected)
    {
        // Arrange
        var strategy = new Dga(new DgaOptions(beta));

        // Act
        double weight = strategy.ClientWeight(new ClientUpdateInfo(100, loss));

        // Assert
        Assert.Equal(expected, weight, 1e-9);
        Assert.Equal(AggregatorKind.WeightedSum, strategy.Aggregator);
        Assert.Null(strategy.ExportState());
    }

    [Fact]
    public void WeightedSum_IsTheSoftmaxMean_AndAnExtremeLossIsRejectedNotOverflowed()
    {
        // Arrange: β = 1, losses 0 and ln 3 → softmax (3/4, 1/4); (0.75·1 + 0.25·3, 0.75·2 + 0.25·(−1)) = (1.5, 1.25).
        // A third client with loss 1000: 1024·e^−700 (the exponent is clamped) is far below the
        // accumulator's 2^-36, so it is rejected and the mean stays (1.5, 1.25); a loss of 10^300 likewise.
        var aggregator = new RoundAggregator(new Dga(new DgaOptions(1.0)), 2);
        var mean = new float[2];

        // Act
        FoldStatus a = aggregator.Take(Payload(1, 2, 0.0, 1f, 2f), 1, 2, Version);
        FoldStatus b = aggregator.Take(Payload(2, 2, Math.Log(3), 3f, -1f), 2, 2, Version);
        FoldStatus extreme = aggregator.Take(Payload(3, 2, 1000, 1e6f, 1e6f), 3, 2, Version);
        FoldStatus huge = aggregator.Take(Payload(4, 2, 1e300, 1e6f, 1e6f), 4, 2, Version);
        aggregator.Finish(2, mean);

        // Assert
        Assert.Equal([FoldStatus.Folded, FoldStatus.Folded, FoldStatus.RejectedWeight, FoldStatus.RejectedWeight], [a, b, extreme, huge]);
        Assert.Equal(1.5f, mean[0], 1e-6f);
        Assert.Equal(1.25f, mean[1], 1e-6f);
        Assert.Equal(2, aggregator.Tally.Rejected);
    }

    [Fact]
    public void WeightedSum_GivesTheSameBitsForAnyArrivalOrderAndSiloSplit()
    {
        // Arrange: three clients; direct in one order versus two "silos" folding {3} and {1, 2}.
        var strategy = new Dga(new DgaOptions(0.7));
        byte[][] payloads = [Payload(1, 5, 0.31, 0.1f, -0.2f, 0.3f), Payload(2, 5, 2.2, -0.4f, 0.5f, 0.25f), Payload(3, 5, 1.05, 0.05f, 0.7f, -0.9f)];
        var direct = new RoundAggregator(strategy, 3);
        var split = new RoundAggregator(strategy, 3);
        var siloA = new FixedPointAccumulator(3);
        var siloB = new FixedPointAccumulator(3);
        var first = new float[3];
        var second = new float[3];

        // Act
        direct.Take(payloads[2], 3, 5, Version);
        direct.Take(payloads[0], 1, 5, Version);
        direct.Take(payloads[1], 2, 5, Version);
        UpdateFold.Fold(payloads[2], 3, 5, Version, strategy, siloA, new RoundTally());
        UpdateFold.Fold(payloads[1], 2, 5, Version, strategy, siloB, new RoundTally());
        UpdateFold.Fold(payloads[0], 1, 5, Version, strategy, siloB, new RoundTally());
        split.AddPartial(siloA.Sums, siloA.WeightSum, siloA.Count, siloA.FractionBits);
        split.AddPartial(siloB.Sums, siloB.WeightSum, siloB.Count, siloB.FractionBits);
        direct.Finish(5, first);
        split.Finish(5, second);

        // Assert
        Assert.Equal(first, second);
    }

    [Fact]
    public void StaleProbabilityOne_HoldsEveryUpdateBackOneRound_AsTheSoftmaxOverTheHeldBackUpdates()
    {
        // Arrange: p = 1 defers every update. Round 1: nothing from before → zero; round 2 aggregates round
        // 1's two updates: β = 1, losses 0 and ln 3 → (3/4, 1/4) → (1.5, 1.25); client 4 waits for round 3.
        var strategy = new Dga(new DgaOptions(1.0, StaleProbability: 1.0), seed: 9);
        var first = new float[] { 7f, 7f };
        var second = new float[2];

        // Act
        strategy.ConfigureRound(1);
        strategy.Aggregate([Update(3, 0.0, 1f, 2f), Update(5, Math.Log(3), 3f, -1f)], first);
        int heldAfterFirst = strategy.StaleCount;
        strategy.ConfigureRound(2);
        strategy.Aggregate([Update(4, 0.2, 10f, 10f)], second);

        // Assert
        Assert.Equal(AggregatorKind.Buffered, strategy.Aggregator);
        Assert.Equal([0f, 0f], first);
        Assert.Equal(2, heldAfterFirst);
        Assert.Equal(1.5f, second[0], 1e-6f);
        Assert.Equal(1.25f, second[1], 1e-6f);
        Assert.Equal(1, strategy.StaleCount);
    }

    [Fact]
    public void StaleUpdates_JoinTheNextRoundWithTheKeptOnes_WithoutUnderflowForExtremeLosses()
    {
        // Arrange: p = 0.5, seed 7. Find a client deferred in round 1 (d) and clients kept in rounds 1 and 2 (k1, k2).
        const ulong seed = 7;
        long d = Enumerable.Range(1, 200).First(c => StaleUpdateSelection.IsDeferred(seed, 1, c, 0.5));
        long k1 = Enumerable.Range(1, 200).First(c => c != d && !StaleUpdateSelection.IsDeferred(seed, 1, c, 0.5));
        long k2 = Enumerable.Range(1, 200).First(c => !StaleUpdateSelection.IsDeferred(seed, 2, c, 0.5));
        var strategy = new Dga(new DgaOptions(1.0, StaleProbability: 0.5), seed);
        ClientUpdate[] round1 = [.. new[] { Update(d, 1000.0, 1f, 2f), Update(k1, 5.0, 3f, -1f) }.OrderBy(u => u.ClientId)];
        var first = new float[2];
        var second = new float[2];

        // Act
        strategy.ConfigureRound(1);
        strategy.Aggregate(round1, first);
        strategy.ConfigureRound(2);
        strategy.Aggregate([Update(k2, 1000.0 + Math.Log(3), 10f, 10f)], second);

        // Assert: round 1 has k1 alone → (3, −1). Round 2 mixes d (loss 1000, held back) with k2 (loss
        // 1000 + ln 3): exp(−1000) underflows a double, but the softmax is shifted by the smallest loss:
        // (3/4, 1/4) → (0.75·1 + 0.25·10, 0.75·2 + 0.25·10) = (3.25, 4).
        Assert.Equal([3f, -1f], first);
        Assert.Equal(3.25f, second[0], 1e-6f);
        Assert.Equal(4f, second[1], 1e-6f);
        Assert.Equal(0, strategy.StaleCount);
        Assert.Null(strategy.ExportState());
    }

    [Fact]
    public void ExportImport_ContinuesBitForBit()
    {
        // Arrange: round 1 holds back both updates (p = 1); a second instance imports the state.
        var original = new Dga(new DgaOptions(0.5, StaleProbability: 1.0), seed: 3);
        original.ConfigureRound(1);
        original.Aggregate([Update(2, 0.4, 0.125f, -3.5f, 1e-7f), Update(8, 1.7, -2f, 0.3f, 6f)], new float[3]);
        byte[] state = original.ExportState()!;
        var restored = new Dga(new DgaOptions(0.5, StaleProbability: 1.0), seed: 3);
        ClientUpdate[] next = [Update(1, 0.9, 1f, 1f, 1f)];
        var a = new float[3];
        var b = new float[3];

        // Act
        restored.ImportState(state);
        byte[] again = restored.ExportState()!;
        original.ConfigureRound(2);
        original.Aggregate(next, a);
        restored.ConfigureRound(2);
        restored.Aggregate(next, b);

        // Assert: 12-byte header + 2 × (8 + 8 + 3 × 4) bytes.
        Assert.Equal(12 + 2 * 28, state.Length);
        Assert.Equal(state, again);
        Assert.Equal(a, b);
        Assert.Equal(original.ExportState(), restored.ExportState());
    }

    [Fact]
    public void ImportState_RejectsForeignBytes_AndStateForTheWeightedSumPath()
    {
        // Arrange
        var buffered = new Dga(new DgaOptions(1.0, StaleProbability: 0.3));
        var plain = new Dga(new DgaOptions(1.0));

        // Act and assert
        Assert.Throws<ArgumentException>(() => buffered.ImportState([1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 9]));
        Assert.Throws<ArgumentException>(() => buffered.ImportState([7, 0, 0, 0]));
        Assert.Throws<ArgumentException>(() => plain.ImportState([1, 0, 0, 0]));
        buffered.ImportState(null);
        Assert.Equal(0, buffered.StaleCount);
    }

    [Fact]
    public void Registry_BuildsDgaFromTheConfig_BufferedOnlyWithStaleUpdates()
    {
        // Arrange
        FluteConfig defaults = ConfigLoader.LoadText("experiment:\n  rounds: 1\nserver:\n  strategy: dga\n", "dga.yaml", []);
        FluteConfig stale = ConfigLoader.LoadText("experiment:\n  rounds: 1\n  seed: 5\nserver:\n  strategy: dga\n  dga_beta: 0.25\n  dga_stale_prob: 0.1\n", "dga.yaml", []);

        // Act
        var plain = Assert.IsType<Dga>(StrategyRegistry.Create(defaults));
        var buffered = Assert.IsType<Dga>(StrategyRegistry.Create(stale));

        // Assert
        Assert.Equal(new DgaOptions(1.0, 0), plain.Options);
        Assert.Equal(AggregatorKind.WeightedSum, plain.Aggregator);
        Assert.Equal(new DgaOptions(0.25, 0.1), buffered.Options);
        Assert.Equal(AggregatorKind.Buffered, buffered.Aggregator);
    }

    [Theory]
    [InlineData(-0.1, 0.0)]
    [InlineData(double.NaN, 0.0)]
    [InlineData(double.PositiveInfinity, 0.0)]
    [InlineData(1.0, -0.01)]
    [InlineData(1.0, 1.01)]
    [InlineData(1.0, double.NaN)]
    public void Constructor_RejectsOutOfRangeOptions(double beta, double stale)
    {
        // Act and assert
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dga(new DgaOptions(beta, stale)));
    }
}
