using System.Runtime.InteropServices;
using Flute.Core.Aggregation;
using Flute.Core.Codecs;
using Flute.Core.Strategies;

namespace Flute.Core.Tests.Strategies;

public sealed class ScaffoldTests
{
    [Fact]
    public void ClientControlDelta_IsMinusCPlusThePseudoGradientOverKEta()
    {
        // Arrange: K = 4 steps at η = 0.5, so 1/(K·η) = 0.5; c = (0.25, −1, 0).
        // Δc = −c + (x − y)/(Kη) = (−0.25 + 0.5·2, 1 + 0.5·(−3), −0 + 0.5·0.5) = (0.75, −0.5, 0.25).
        float[] pseudoGradient = [2f, -3f, 0.5f];
        float[] serverControl = [0.25f, -1f, 0f];
        var delta = new float[3];

        // Act
        Scaffold.ClientControlDelta(pseudoGradient, serverControl, steps: 4, lr: 0.5, delta);

        // Assert
        Assert.Equal([0.75f, -0.5f, 0.25f], delta);
    }

    [Fact]
    public void NextClientControl_IsOptionTwo_CiMinusCPlusThePseudoGradientOverKEta()
    {
        // Arrange: c_i = (1, 2, −0.5), c = (0.25, −1, 0), x − y = (2, −3, 0.5), K = 4, η = 0.5:
        // c_i⁺ = c_i − c + (x − y)/(Kη) = (1 − 0.25 + 1, 2 + 1 − 1.5, −0.5 − 0 + 0.25) = (1.75, 1.5, −0.25),
        // and Δc_i = c_i⁺ − c_i = (0.75, −0.5, 0.25).
        float[] clientControl = [1f, 2f, -0.5f];
        var delta = new float[3];
        var next = new float[3];

        // Act
        Scaffold.ClientControlDelta([2f, -3f, 0.5f], [0.25f, -1f, 0f], 4, 0.5, delta);
        Scaffold.NextClientControl(clientControl, delta, next);

        // Assert
        Assert.Equal([1.75f, 1.5f, -0.25f], next);
        Assert.Equal([0.75f, -0.5f, 0.25f], delta);
    }

    [Fact]
    public void A_first_round_reads_zero_control_variates_from_empty_spans()
    {
        // Arrange: c = c_i = 0 (never written): Δc = (x − y)/(Kη) = (1, −2)/(2·0.25) = (2, −4) = c_i⁺,
        // and the gradient correction c − c_i is zero.
        var delta = new float[2];
        var next = new float[2];
        var correction = new float[] { 9f, 9f };

        // Act
        Scaffold.ClientControlDelta([1f, -2f], [], 2, 0.25, delta);
        Scaffold.NextClientControl([], delta, next);
        Scaffold.GradientCorrection([], [], correction);

        // Assert
        Assert.Equal([2f, -4f], delta);
        Assert.Equal([2f, -4f], next);
        Assert.Equal([0f, 0f], correction);
    }

    [Fact]
    public void GradientCorrection_IsCMinusCi()
    {
        // Arrange: g ← g − c_i + c, so the correction is c − c_i = (0.5 − 2, −1 − (−1)) = (−1.5, 0).
        var correction = new float[2];

        // Act
        Scaffold.GradientCorrection([0.5f, -1f], [2f, -1f], correction);

        // Assert
        Assert.Equal([-1.5f, 0f], correction);
    }

    [Fact]
    public void FinishUpdate_MovesCByTheSampledFractionOfTheMeanDeltaAndLeavesThePseudoGradient()
    {
        // Arrange: N = 10 clients, |S| = 4 sampled; c = 0 before. The aggregate is [mean pg ‖ mean Δc]
        // = [(1, 2) ‖ (0.5, −2)], so c ← 0 + (4/10)·(0.5, −2) = (0.2, −0.8). A second round with
        // |S| = 5 and mean Δc = (1, 1): c ← (0.2 + 0.5, −0.8 + 0.5) = (0.7, −0.3).
        var strategy = new Scaffold(population: 10);
        float[] update = [1f, 2f, 0.5f, -2f];
        float[] second = [0f, 0f, 1f, 1f];

        // Act
        strategy.FinishUpdate(1, 4, update);
        float[] afterFirst = strategy.Control.ToArray();
        strategy.FinishUpdate(2, 5, second);

        // Assert
        Assert.Equal([0.2f, -0.8f], afterFirst);
        Assert.Equal([(float)(0.2f + 0.5), (float)(-0.8f + 0.5)], strategy.Control.ToArray());
        Assert.Equal([1f, 2f], update[..2]);
        Assert.Equal(strategy.Control.ToArray(), strategy.VersionState.ToArray());
    }

    [Fact]
    public void Uniform_weights_double_length_updates_and_control_variate_instructions()
    {
        // Arrange
        var strategy = new Scaffold(100);

        // Act
        ClientInstructions instructions = strategy.ConfigureRound(3);

        // Assert
        Assert.Equal(1.0, strategy.ClientWeight(new ClientUpdateInfo(37, 2.0)));
        Assert.Equal(1.0, strategy.ClientWeight(new ClientUpdateInfo(1, 0.1)));
        Assert.Equal(10, strategy.UpdateLength(5));
        Assert.True(instructions.ControlVariates);
        Assert.False(instructions.IsNone);
        Assert.Equal(0, instructions.ProximalMu);
        Assert.Equal(AggregatorKind.WeightedSum, strategy.Aggregator);
        Assert.True(strategy.VersionState.IsEmpty);
    }

    [Fact]
    public void State_round_trips_through_the_checkpoint_and_null_resets_it()
    {
        // Arrange
        var strategy = new Scaffold(10);
        Assert.Null(strategy.ExportState());
        strategy.FinishUpdate(1, 5, [0f, 0f, 0f, 0.25f, -1f, 3f]);
        byte[] state = strategy.ExportState()!;
        var restored = new Scaffold(10);

        // Act
        restored.ImportState(state);

        // Assert: c = (5/10)·(0.25, −1, 3) = (0.125, −0.5, 1.5).
        Assert.Equal([0.125f, -0.5f, 1.5f], restored.Control.ToArray());
        restored.ImportState(null);
        Assert.True(restored.Control.IsEmpty);
        Assert.Throws<ArgumentException>(() => restored.ImportState([1, 2, 3]));
    }

    [Fact]
    public void RoundAggregator_folds_both_halves_and_hands_the_optimizer_only_the_pseudo_gradient()
    {
        // Arrange: two parameters; updates [pg ‖ Δc] from clients 3 and 8, weight 1 each (samples 10 and 30
        // do not matter). Mean = [(2, 0) ‖ (1, −1)]; N = 4, |S| = 2: c = (2/4)·(1, −1) = (0.5, −0.5).
        var strategy = new Scaffold(population: 4);
        var aggregator = new RoundAggregator(strategy, 2);
        var pseudoGradient = new float[2];

        // Act
        aggregator.Take(Payload(3, 10, 1f, -1f, 0f, -2f), 3, 1, 0);
        aggregator.Take(Payload(8, 30, 3f, 1f, 2f, 0f), 8, 1, 0);
        bool any = aggregator.Finish(1, pseudoGradient);

        // Assert
        Assert.True(any);
        Assert.Equal(4, aggregator.UpdateLength);
        Assert.Equal([2f, 0f], pseudoGradient);
        Assert.Equal([0.5f, -0.5f], strategy.Control.ToArray());
    }

    [Fact]
    public void Silo_partials_of_double_length_updates_give_the_direct_fold_bit_for_bit()
    {
        // Arrange: the same three updates folded directly, and as one silo's partial plus one direct update.
        var direct = new Scaffold(population: 9);
        var split = new Scaffold(population: 9);
        var all = new RoundAggregator(direct, 2);
        var merged = new RoundAggregator(split, 2);
        var silo = new FixedPointAccumulator(4);
        byte[][] payloads = [Payload(1, 5, 0.1f, 0.2f, 0.3f, 0.4f), Payload(2, 6, -0.7f, 0.01f, 1e-3f, 5f), Payload(4, 7, 3f, -3f, 0.125f, -0.5f)];
        var a = new float[2];
        var b = new float[2];

        // Act
        for (int i = 0; i < 3; i++) all.Take(payloads[i], new long[] { 1, 2, 4 }[i], 1, 0);
        UpdateFold.Fold(payloads[0], 1, 1, 0, split, silo, new RoundTally());
        UpdateFold.Fold(payloads[2], 4, 1, 0, split, silo, new RoundTally());
        merged.AddPartial(silo.Sums, silo.WeightSum, silo.Count, silo.FractionBits);
        merged.Take(payloads[1], 2, 1, 0);
        all.Finish(1, a);
        merged.Finish(1, b);

        // Assert
        Assert.Equal(a, b);
        Assert.Equal(direct.Control.ToArray(), split.Control.ToArray());
        Assert.Equal(direct.ExportState(), split.ExportState());
    }

    private static byte[] Payload(long client, int samples, params float[] update)
    {
        var header = new PayloadHeader("exp", 1, 0, client, samples, 0.5, Float32Codec.CodecName);
        int bytes = update.Length * sizeof(float);
        var payload = new byte[PseudoGradientPayload.SizeOf(header, bytes)];
        Memory<byte> data = PseudoGradientPayload.Write(payload, header, bytes);
        MemoryMarshal.AsBytes(update.AsSpan()).CopyTo(data.Span);
        return payload;
    }
}
