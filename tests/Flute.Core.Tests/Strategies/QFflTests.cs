using System.Runtime.InteropServices;
using Flute.Core.Aggregation;
using Flute.Core.Codecs;
using Flute.Core.Configuration;
using Flute.Core.Strategies;

namespace Flute.Core.Tests.Strategies;

public sealed class QFflTests
{
    private static ClientUpdate Update(long client, double loss, params float[] values) => new(client, 40, loss, values);

    [Fact]
    public void Aggregate_IsTheQFedAvgStep_WithQOne()
    {
        // Arrange: q = 1, L = 2; client 1: F = 1, g = (1, 0); client 2: F = 3, g = (0, 2).
        // Δw1 = L·g1 = (2, 0), ‖Δw1‖² = 4, Δ1 = F·Δw1 = (2, 0), h1 = q·F^0·4 + L·F = 4 + 2 = 6.
        // Δw2 = (0, 4), ‖Δw2‖² = 16, Δ2 = 3·(0, 4) = (0, 12), h2 = 16 + 2·3 = 22.
        // Step = (Δ1 + Δ2) / (h1 + h2) = (2, 12) / 28 = (1/14, 3/7).
        var strategy = new QFfl(new QFflOptions(Lipschitz: 2, Q: 1));
        var step = new float[2];

        // Act
        strategy.Aggregate([Update(1, 1.0, 1f, 0f), Update(2, 3.0, 0f, 2f)], step);
        QFairClientTerms terms = strategy.ClientTerms(3.0, [0f, 2f]);

        // Assert
        Assert.Equal(1.0 / 14, step[0], 1e-6);
        Assert.Equal(3.0 / 7, step[1], 1e-6);
        Assert.Equal(6.0, terms.Weight, 1e-8);  // L·F^q = 2·3
        Assert.Equal(22.0, terms.H, 1e-8);
        Assert.Equal(AggregatorKind.Buffered, strategy.Aggregator);
    }

    [Fact]
    public void Aggregate_WithQTwo_FavoursTheClientWithHigherLoss()
    {
        // Arrange: q = 2, L = 1; same updates. Δ1 = 1²·(1, 0), h1 = 2·1·1 + 1·1 = 3;
        // Δ2 = 3²·(0, 2) = (0, 18), h2 = 2·3·‖(0, 2)‖² + 3² = 24 + 9 = 33. Step = (1, 18) / 36 = (1/36, 1/2).
        var strategy = new QFfl(new QFflOptions(Lipschitz: 1, Q: 2));
        var step = new float[2];

        // Act
        strategy.Aggregate([Update(1, 1.0, 1f, 0f), Update(2, 3.0, 0f, 2f)], step);

        // Assert
        Assert.Equal(1.0 / 36, step[0], 1e-6);
        Assert.Equal(0.5, step[1], 1e-6);
    }

    [Fact]
    public void Aggregate_WithQZero_IsThePlainMean_AndSkipsANonFiniteLoss()
    {
        // Arrange: q = 0 → Σ L·g / Σ L = mean of (1, 0) and (0, 2) = (0.5, 1); client 3 has no finite loss.
        var strategy = new QFfl(new QFflOptions(Lipschitz: 5, Q: 0));
        var step = new float[2];
        var none = new float[] { 4f, 4f };

        // Act
        strategy.Aggregate([Update(1, 0.7, 1f, 0f), Update(2, 2.5, 0f, 2f), Update(3, double.NaN, 100f, 100f)], step);
        strategy.Aggregate([Update(3, double.PositiveInfinity, 100f, 100f)], none);

        // Assert
        Assert.Equal(0.5f, step[0], 1e-6f);
        Assert.Equal(1f, step[1], 1e-6f);
        Assert.Equal([0f, 0f], none);
    }

    [Fact]
    public void ZeroLoss_WithQBelowOne_StaysFinite_ThroughThePapersEpsilon()
    {
        // Arrange: F = 0 + 1e-10, q = 0.5: h = 0.5·(1e-10)^(−0.5)·‖Δw‖² + L·1e-5 is large but finite.
        var strategy = new QFfl(new QFflOptions(Lipschitz: 1, Q: 0.5));
        var step = new float[1];

        // Act
        strategy.Aggregate([Update(1, 0.0, 1f)], step);

        // Assert: Δ = 1e-5·1, h = 0.5·1e5·1 + 1e-5 → step ≈ 1e-5 / 5e4 = 2e-10.
        Assert.Equal(2e-10, step[0], 1e-14);
    }

    [Fact]
    public void Result_DoesNotDependOnArrivalOrder()
    {
        // Arrange: the same three payloads in two arrival orders through the round's buffered aggregator.
        static byte[] Payload(long client, double loss, params float[] update)
        {
            var header = new PayloadHeader("exp", 1, 0, client, 30, loss, Float32Codec.CodecName);
            var payload = new byte[PseudoGradientPayload.SizeOf(header, update.Length * sizeof(float))];
            MemoryMarshal.AsBytes(update.AsSpan()).CopyTo(PseudoGradientPayload.Write(payload, header, update.Length * sizeof(float)).Span);
            return payload;
        }
        (long Client, byte[] Payload)[] replies =
            [(4, Payload(4, 0.9, 0.3f, -0.1f)), (1, Payload(1, 2.1, -0.7f, 0.2f)), (9, Payload(9, 0.05, 0.01f, 0.9f))];
        var strategy = new QFfl(new QFflOptions(Lipschitz: 20, Q: 1));
        var forward = new RoundAggregator(strategy, 2);
        var backward = new RoundAggregator(strategy, 2);
        var a = new float[2];
        var b = new float[2];

        // Act
        foreach (var (client, payload) in replies) forward.Take(payload, client, 1, 0);
        foreach (var (client, payload) in replies.Reverse()) backward.Take(payload, client, 1, 0);
        forward.Finish(1, a);
        backward.Finish(1, b);

        // Assert
        Assert.Equal(a, b);
    }

    [Fact]
    public void Registry_TakesQAndL_AndDefaultsLToOneOverTheClientRate()
    {
        // Arrange
        FluteConfig defaults = ConfigLoader.LoadText("experiment:\n  rounds: 1\nclient:\n  lr: 0.05\nserver:\n  strategy: qffl\n", "q.yaml", []);
        FluteConfig set = ConfigLoader.LoadText("experiment:\n  rounds: 1\nserver:\n  strategy: qffl\n  qffl_q: 2.5\n  qffl_lipschitz: 7\n", "q.yaml", []);

        // Act
        var byDefault = Assert.IsType<QFfl>(StrategyRegistry.Create(defaults));
        var explicitly = Assert.IsType<QFfl>(StrategyRegistry.Create(set));

        // Assert: L = 1 / 0.05 = 20.
        Assert.Equal(1.0, byDefault.Options.Q);
        Assert.Equal(20.0, byDefault.Options.Lipschitz, 1e-12);
        Assert.Equal(new QFflOptions(Lipschitz: 7, Q: 2.5), explicitly.Options);
    }

    [Theory]
    [InlineData(-1.0, 1.0)]
    [InlineData(double.NaN, 1.0)]
    [InlineData(1.0, 0.0)]
    [InlineData(1.0, -3.0)]
    [InlineData(1.0, double.PositiveInfinity)]
    public void Constructor_RejectsOutOfRangeOptions(double q, double lipschitz)
    {
        // Act and assert
        Assert.Throws<ArgumentOutOfRangeException>(() => new QFfl(new QFflOptions(lipschitz, q)));
    }
}
