namespace Flute.Core.ServerOptimizers;

/// <summary>
/// The server learning rate an optimizer runs with when the config does not set server.lr. FedAvg's
/// rate 1 is far too large for the adaptive optimizers of Reddi et al. (2021, arXiv:2003.00295), who
/// tune η per task: with β1 = 0.9 and β2 = 0.99 the first FedAdam or FedYogi step moves every weight by
/// about η·(1 − β1)/√(1 − β2) = η, and the first FedAdagrad step by about η·(1 − β1) = η/10 (v starts
/// at τ² and adds all of g²). The defaults keep those first steps near 0.01 per weight, and were
/// checked on examples/mnist-cnn.yaml (docs/configuration.md, server.lr).
/// </summary>
public static class ServerOptimizerDefaults
{
    /// <summary>FedAvg's server rate, and the rate of any optimizer not listed here.</summary>
    public const double FedAvgLearningRate = 1.0;

    private static readonly Dictionary<string, double> s_learningRates = new(StringComparer.OrdinalIgnoreCase)
    {
        [AdamServerOptimizer.OptimizerName] = AdamServerOptimizer.DefaultLearningRate,
        [YogiServerOptimizer.OptimizerName] = YogiServerOptimizer.DefaultLearningRate,
        [AdagradServerOptimizer.OptimizerName] = AdagradServerOptimizer.DefaultLearningRate,
    };

    /// <summary>The default server.lr of <paramref name="optimizer"/>: its own for adam, yogi and adagrad, else <see cref="FedAvgLearningRate"/>.</summary>
    public static double LearningRate(string optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        return s_learningRates.TryGetValue(optimizer, out double lr) ? lr : FedAvgLearningRate;
    }
}
