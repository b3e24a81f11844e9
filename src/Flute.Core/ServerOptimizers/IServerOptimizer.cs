using Flute.Core.Configuration;

namespace Flute.Core.ServerOptimizers;

/// <summary>
/// Hyper-parameters of a server optimizer (server.* in the config). Optimizers read what they use:
/// sgd the learning rate and momentum; adam, yogi and adagrad the learning rate, betas and tau.
/// </summary>
/// <param name="LearningRate">Server learning rate η of round 1 (FedAvg = 1); a schedule may change it by round.</param>
/// <param name="Momentum">Server momentum in [0, 1) (sgd).</param>
/// <param name="Beta1">First-moment decay β1 in [0, 1) (adam, yogi, adagrad).</param>
/// <param name="Beta2">Second-moment decay β2 in [0, 1) (adam, yogi).</param>
/// <param name="Tau">Adaptivity τ &gt; 0 (adam, yogi, adagrad).</param>
public sealed record ServerOptimizerOptions(
    double LearningRate = 1.0,
    double Momentum = 0.0,
    double Beta1 = AdaptiveOptimizerOptions.DefaultBeta1,
    double Beta2 = AdaptiveOptimizerOptions.DefaultBeta2,
    double Tau = AdaptiveOptimizerOptions.DefaultTau)
{
    /// <summary>The options a configuration asks for (server.lr, server.momentum, server.beta1, server.beta2, server.tau).</summary>
    public static ServerOptimizerOptions From(FluteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        ServerSection s = config.Server;
        return new(s.Lr, s.Momentum, s.Beta1, s.Beta2, s.Tau);
    }

    /// <summary>The options of the adaptive optimizers (FedAdam, FedYogi, FedAdagrad).</summary>
    public AdaptiveOptimizerOptions Adaptive => new(LearningRate, Beta1, Beta2, Tau);
}

/// <summary>
/// Applies a round's aggregated pseudo-gradient (the weighted mean of global − local) to the global
/// weights. Stateful optimizers (momentum, Adam moments) export their state for checkpoints and import
/// it on resume, so a resumed run continues bit for bit. Register implementations in
/// <see cref="Registry.Components.ServerOptimizers"/> (docs/extending/04-server-optimizer.md).
/// </summary>
public interface IServerOptimizer
{
    /// <summary>The registered name (e.g. "sgd").</summary>
    string Name { get; }

    /// <summary>
    /// Updates <paramref name="weights"/> in place from <paramref name="pseudoGradient"/> with the
    /// round's learning rate (server.lr under server.lr_schedule; finite, ≥ 0).
    /// </summary>
    void Step(Span<float> weights, ReadOnlySpan<float> pseudoGradient, double learningRate);

    /// <summary>
    /// A copy of the optimizer's state as float arrays, in an order the optimizer defines (empty for a
    /// stateless optimizer, or before the first step).
    /// </summary>
    IReadOnlyList<float[]> ExportState();

    /// <summary>Restores state produced by <see cref="ExportState"/> (copied, not aliased).</summary>
    /// <exception cref="ArgumentException">The state does not fit this optimizer.</exception>
    void ImportState(IReadOnlyList<float[]> state);
}
