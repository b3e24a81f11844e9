using Flute.Core.UpdatePipeline;

namespace Flute.Core.Tests.UpdatePipeline;

public sealed class ClientUpdatePipelineTests
{
    private static readonly UpdateStepContext Context = new(1, 1, 1);

    [Fact]
    public void InstructedClip_RunsBeforeTheConfiguredSteps()
    {
        // Clip to 5 (instructed), then to 1 (configured): [30, 40] → [3, 4] → [0.6, 0.8].
        // The other order would give [0.6, 0.8] too, so a scaling step shows the order: ×10 after the clip.
        var pipeline = new ClientUpdatePipeline([new ClipStep(1), new ScaleStep(10)]);
        float[] update = [30, 40];
        pipeline.Apply(update, Context, instructedClipNorm: 5);
        Assert.Equal(6f, update[0], 5);
        Assert.Equal(8f, update[1], 5);
    }

    [Fact]
    public void NoInstructionAndNoSteps_LeavesTheUpdateAsItIs()
    {
        var pipeline = new ClientUpdatePipeline([]);
        float[] update = [30, 40];
        pipeline.Apply(update, Context, instructedClipNorm: 0);
        Assert.Equal([30f, 40f], update);
    }

    [Fact]
    public void Clip_BoundsEveryUpdateAndLeavesShortOnesAlone()
    {
        var step = new ClipStep(1);
        float[] longer = [3, 4];
        float[] shorter = [0.3f, 0.4f];
        step.Apply(longer, Context);
        step.Apply(shorter, Context);
        Assert.Equal([0.6f, 0.8f], longer);
        Assert.Equal([0.3f, 0.4f], shorter);
    }

    [Theory]
    [InlineData("", new string[0])]
    [InlineData("clip", new[] { "clip" })]
    [InlineData(" local_dp , clip", new[] { "local_dp", "clip" })]
    public void ParseNames_SplitsOnCommasAndTrims(string value, string[] expected)
    {
        Assert.Equal(expected, ClientUpdatePipeline.ParseNames(value));
    }

    private sealed class ScaleStep(float factor) : IUpdateStep
    {
        public string Name => "scale";

        public void Apply(Span<float> update, in UpdateStepContext context)
        {
            for (int i = 0; i < update.Length; i++) update[i] *= factor;
        }
    }
}
