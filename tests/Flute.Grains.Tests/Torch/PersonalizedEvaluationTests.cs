using Flute.Grains.Torch;

namespace Flute.Grains.Tests.Torch;

public sealed class PersonalizedEvaluationTests
{
    [Theory]
    [InlineData(5, 600, 32, 1, 160)]   // 5 × 32 = 160 ≤ 600: one capped epoch, exactly 5 steps
    [InlineData(19, 600, 32, 1, 0)]    // 608 > 600 samples: one whole epoch of ⌈600/32⌉ = 19 steps
    [InlineData(30, 600, 32, 2, 0)]    // 19 steps an epoch: ⌈30/19⌉ = 2 whole epochs (38 steps)
    [InlineData(3, 10, 16, 3, 0)]      // one step an epoch: 3 epochs
    public void K_steps_are_one_capped_epoch_or_enough_whole_epochs(int steps, int samples, int batch, int epochs, int maxSamples) =>
        Assert.Equal((epochs, maxSamples), PersonalizedEvaluation.StepPlan(steps, samples, batch));

    [Fact]
    public void Zero_steps_or_an_empty_client_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PersonalizedEvaluation.StepPlan(0, 10, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => PersonalizedEvaluation.StepPlan(2, 0, 4));
    }
}
