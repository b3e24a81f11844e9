using Flute.Core.Data;
using Flute.Core.Evaluation;
using Flute.Grains.Torch;

namespace Flute.Grains.Tests.Torch;

public sealed class EvaluationTests : IDisposable
{
    private static readonly ModelSpec Spec = new("logreg", [2], 2);

    // Identity weights, zero bias: logits equal the features.
    private static readonly byte[] Identity = TorchTestData.Bytes([1, 0, 0, 1, 0, 0]);

    // (1, 0) → 0 right, (0, 1) → 1 right, (2, 0) labelled 1 wrong, (0, 3) → 1 right, (1, 1) labelled 0: a tie, argmax picks 0.
    private static readonly Dataset Hand = new("hand", [1, 0, 0, 1, 2, 0, 0, 3, 1, 1], [0, 1, 1, 1, 0], [2], 2);

    private readonly TrainerPool pool = new(new TrainerPoolOptions(1, 1));

    public void Dispose() => pool.Dispose();

    [Fact]
    public async Task CountsCorrectPredictionsAndSumsLoss()
    {
        var outcome = await pool.EvaluateAsync(new EvalJob(Spec, Identity, Hand, 0, 3, 2));

        // CE = ln(1 + e^−margin): margins 1, 1, −2.
        double expectedLoss = 2 * Math.Log(1 + Math.Exp(-1)) + Math.Log(1 + Math.Exp(2));
        Assert.Equal(2, outcome.Correct);
        Assert.Equal(3, outcome.Count);
        Assert.Equal(expectedLoss, outcome.LossSum, 5);
    }

    [Fact]
    public async Task RangesAddUpToTheWhole()
    {
        var whole = await pool.EvaluateAsync(new EvalJob(Spec, Identity, Hand, 0, 5, 3));
        var head = await pool.EvaluateAsync(new EvalJob(Spec, Identity, Hand, 0, 2, 3));
        var tail = await pool.EvaluateAsync(new EvalJob(Spec, Identity, Hand, 2, 3, 3));

        // margins 1, 1, −2, 3, 0
        double expectedLoss = 2 * Math.Log(1 + Math.Exp(-1)) + Math.Log(1 + Math.Exp(2)) + Math.Log(1 + Math.Exp(-3)) + Math.Log(2);
        Assert.Equal(4, whole.Correct);
        Assert.Equal(expectedLoss, whole.LossSum, 5);
        Assert.Equal(whole.Correct, head.Correct + tail.Correct);
        Assert.Equal(whole.LossSum, head.LossSum + tail.LossSum, 5);
    }

    [Fact]
    public async Task MetricsReadTheLogitsOfEveryBatchAndAgreeWithTorchArgmaxOnTies()
    {
        var metrics = new MetricSet([new TopKAccuracy(1), new BalancedAccuracy()]);

        // Batches of 2, 2 and 1; (1, 1) labelled 0 is a tie both torch and the metrics give to class 0.
        var outcome = await pool.EvaluateAsync(new EvalJob(Spec, Identity, Hand, 0, 5, 2, metrics));
        var plain = await pool.EvaluateAsync(new EvalJob(Spec, Identity, Hand, 0, 5, 2));

        // Predictions 0, 1, 0, 1, 0 for labels 0, 1, 1, 1, 0: top-1 hits 4 of 5 (= Correct); recall 2/2 and 2/3.
        Assert.Equal([4, 5, 2, 2, 2, 3], outcome.MetricState!);
        Assert.Equal(outcome.Correct, (long)outcome.MetricState![0]);
        Assert.Equal((1 + 2.0 / 3) / 2, metrics.Finish(outcome.MetricState, 2)["balanced_accuracy"], 15);
        Assert.Null(plain.MetricState);
        Assert.Equal(plain.LossSum, outcome.LossSum);
    }

    [Fact]
    public async Task EmptyRangeIsZero()
    {
        var outcome = await pool.EvaluateAsync(new EvalJob(Spec, Identity, Hand, 5, 0, 4));

        Assert.Equal(new EvalOutcome(0, 0, 0), outcome);
    }

    [Fact]
    public async Task RangeOutsideTheDataIsRejected()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => pool.EvaluateAsync(new EvalJob(Spec, Identity, Hand, 3, 3, 4)));
    }
}
