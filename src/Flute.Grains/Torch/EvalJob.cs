namespace Flute.Grains.Torch;

/// <summary>Evaluation of <see cref="Weights"/> on the samples [<see cref="Start"/>, <see cref="Start"/> + <see cref="Count"/>) of <see cref="Data"/>.</summary>
public sealed record EvalJob(ModelSpec Model, ReadOnlyMemory<byte> Weights, Flute.Core.Data.Dataset Data, int Start, int Count, int BatchSize);

/// <summary>
/// Evaluation totals, so that results over several ranges add up: correct (argmax) predictions, the sum
/// of per-sample cross-entropy losses, and the number of samples.
/// </summary>
public readonly record struct EvalOutcome(long Correct, double LossSum, int Count)
{
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;
    public double MeanLoss => Count == 0 ? 0 : LossSum / Count;
}
