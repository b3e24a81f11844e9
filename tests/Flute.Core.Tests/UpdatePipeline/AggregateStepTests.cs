using Flute.Core.Aggregation;
using Flute.Core.Codecs;
using Flute.Core.Configuration;
using Flute.Core.Strategies;
using Flute.Core.UpdatePipeline;

namespace Flute.Core.Tests.UpdatePipeline;

/// <summary>The server's aggregate steps (server.aggregate_steps) on a round's pseudo-gradient.</summary>
public sealed class AggregateStepTests
{
    private static readonly AggregateStepContext Context = new(Seed: 7, Round: 3, Clients: 2);

    [Fact]
    public void Clip_ScalesALongAggregateToTheBoundAndLeavesAShortOneAlone()
    {
        // ‖(3, 4)‖ = 5 → scaled by 1/5 to (0.6, 0.8); ‖(0.3, 0.4)‖ = 0.5 ≤ 1 stays.
        float[] longOne = [3f, 4f];
        float[] shortOne = [0.3f, 0.4f];

        new AggregateClipStep(1).Apply(longOne, Context);
        new AggregateClipStep(1).Apply(shortOne, Context);

        Assert.Equal(0.6f, longOne[0], 6);
        Assert.Equal(0.8f, longOne[1], 6);
        Assert.Equal([0.3f, 0.4f], shortOne);
    }

    [Fact]
    public void GaussianNoise_HasTheConfiguredStandardDeviationAndIsAFunctionOfTheRound()
    {
        const int n = 200_000;
        var step = new AggregateNoiseStep(0.5);
        var noised = new float[n];
        var again = new float[n];
        var nextRound = new float[n];

        step.Apply(noised, Context);
        step.Apply(again, Context);
        step.Apply(nextRound, Context with { Round = 4 });

        double mean = noised.Average(v => (double)v);
        double std = Math.Sqrt(noised.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        Assert.InRange(std, 0.5 * 0.98, 0.5 * 1.02);
        Assert.InRange(mean, -0.01, 0.01); // 5 standard errors (0.5/√n ≈ 0.0011) would be 0.0056
        Assert.Equal(noised, again);
        Assert.NotEqual(noised, nextRound);
    }

    [Fact]
    public void Pipeline_BuildsTheConfiguredStepsInOrderAndAppliesThemInThatOrder()
    {
        var config = new FluteConfig();
        config.Server.AggregateSteps = "clip, gaussian_noise";
        config.Privacy.AggregateClipNorm = 1;
        config.Privacy.AggregateNoiseStddev = 0;

        ServerAggregatePipeline pipeline = ServerAggregatePipeline.From(config);
        float[] values = [6f, 8f];
        pipeline.Apply(values, Context);

        Assert.Equal(["clip", "gaussian_noise"], pipeline.Steps.Select(s => s.Name));
        // σ = 0 adds exact zeros: the clip's (0.6, 0.8) is what remains.
        Assert.Equal(0.6f, values[0], 6);
        Assert.Equal(0.8f, values[1], 6);
    }

    [Fact]
    public void RoundAggregator_AppliesTheStepsToTheMergedMean()
    {
        // FedAvg of (2, 0) with 1 sample and (0, 2) with 1 sample: the mean (1, 1), norm √2, clipped to norm 1.
        var config = new FluteConfig();
        config.Server.AggregateSteps = "clip";
        config.Privacy.AggregateClipNorm = 1;
        var aggregator = new RoundAggregator(new FedAvg(), 2, ServerAggregatePipeline.From(config), seed: 7);
        var pseudoGradient = new float[2];

        aggregator.Take(Payload(1, 1f, 2f, 0f), 1, 3, 1);
        aggregator.Take(Payload(2, 1f, 0f, 2f), 2, 3, 1);
        Assert.True(aggregator.Finish(3, pseudoGradient));

        Assert.Equal(1 / Math.Sqrt(2), pseudoGradient[0], 5);
        Assert.Equal(1 / Math.Sqrt(2), pseudoGradient[1], 5);
    }

    private static byte[] Payload(long client, float samples, params float[] update)
    {
        var header = new PayloadHeader("exp", 3, 1, client, (int)samples, 0.5, Float32Codec.CodecName);
        int bytes = update.Length * sizeof(float);
        var payload = new byte[PseudoGradientPayload.SizeOf(header, bytes)];
        Memory<byte> data = PseudoGradientPayload.Write(payload, header, bytes);
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(update.AsSpan()).CopyTo(data.Span);
        return payload;
    }
}
