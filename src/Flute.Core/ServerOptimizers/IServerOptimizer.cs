namespace Flute.Core.ServerOptimizers;

/// <summary>
/// Hyper-parameters of a server optimizer (server.* in the config). Optimizers read what they use;
/// adaptive ones (FedAdam, FedYogi) will add their betas and epsilon here.
/// </summary>
/// <param name="LearningRate">Server learning rate (FedAvg = 1).</param>
/// <param name="Momentum">Server momentum in [0, 1).</param>
public sealed record ServerOptimizerOptions(double LearningRate = 1.0, double Momentum = 0.0);

/// <summary>
/// Applies a round's aggregated pseudo-gradient (the weighted mean of global − local) to the global
/// weights. Stateful optimizers (momentum, Adam moments) export their state for checkpoints and import
/// it on resume, so a resumed run continues bit for bit. Register implementations in
/// <see cref="ServerOptimizerRegistry"/> (docs/extending/04-server-optimizer.md).
/// </summary>
public interface IServerOptimizer
{
    /// <summary>The registered name (e.g. "sgd").</summary>
    string Name { get; }

    /// <summary>Updates <paramref name="weights"/> in place from <paramref name="pseudoGradient"/>.</summary>
    void Step(Span<float> weights, ReadOnlySpan<float> pseudoGradient);

    /// <summary>
    /// A copy of the optimizer's state as float arrays, in an order the optimizer defines (empty for a
    /// stateless optimizer, or before the first step).
    /// </summary>
    IReadOnlyList<float[]> ExportState();

    /// <summary>Restores state produced by <see cref="ExportState"/> (copied, not aliased).</summary>
    /// <exception cref="ArgumentException">The state does not fit this optimizer.</exception>
    void ImportState(IReadOnlyList<float[]> state);
}
