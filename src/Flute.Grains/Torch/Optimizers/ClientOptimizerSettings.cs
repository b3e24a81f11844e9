using Flute.Core.Configuration;

namespace Flute.Grains.Torch.Optimizers;

/// <summary>
/// Which client optimizer a job uses and its hyper-parameters (the learning rate is per round, in
/// <see cref="TrainSettings.Lr"/>). <see cref="Momentum"/> applies to sgd; <see cref="Beta1"/>,
/// <see cref="Beta2"/> and <see cref="Eps"/> to adam; <see cref="WeightDecay"/> to both. Defaults are
/// PyTorch's. Value equality lets a replica keep its optimizer (and buffers) across jobs with equal settings.
/// </summary>
public sealed record ClientOptimizerSettings(
    string Name = SgdClientOptimizer.OptimizerName, double Momentum = 0, double WeightDecay = 0,
    double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8)
{
    /// <summary>Plain SGD, w ← w − lr·g: the default.</summary>
    public static ClientOptimizerSettings PlainSgd { get; } = new();

    /// <summary>The settings of a validated configuration's client section.</summary>
    public static ClientOptimizerSettings From(ClientSection client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new(client.Optimizer, client.Momentum, client.WeightDecay, client.AdamBeta1, client.AdamBeta2, client.AdamEps);
    }
}
