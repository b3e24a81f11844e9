namespace Flute.Core.Strategies;

/// <summary>q-FFL's hyper-parameters (from the config: <c>server.qffl_q</c>, <c>server.qffl_lipschitz</c>).</summary>
/// <param name="Lipschitz">L &gt; 0, the Lipschitz estimate of the local losses' gradients; the paper takes 1 / client learning rate.</param>
/// <param name="Q">q ≥ 0, the fairness exponent: 0 is the plain mean of the pseudo-gradients, larger q favours clients with higher loss.</param>
public sealed record QFflOptions(double Lipschitz, double Q = QFflOptions.DefaultQ)
{
    /// <summary>The default q (one of the values Li et al. tune over, {0.001, 0.01, 0.1, 1, 2, 5, 10, 15}).</summary>
    public const double DefaultQ = 1.0;
}
