namespace Flute.Core.ServerOptimizers;

/// <summary>
/// FedAdagrad: v ← v + g², then the shared adaptive step (β2 is not used). Reddi, Charles, Zaheer,
/// Garrett, Rush, Konečný, Kumar and McMahan, "Adaptive Federated Optimization", ICLR 2021,
/// arXiv:2003.00295 (Algorithm 2). State: m and v.
/// </summary>
public sealed class AdagradServerOptimizer : AdaptiveServerOptimizer
{
    /// <summary>The registered name.</summary>
    public const string OptimizerName = "adagrad";

    /// <summary>server.lr when the config does not set it (<see cref="ServerOptimizerDefaults"/>).</summary>
    public const double DefaultLearningRate = 0.1;

    /// <summary>Creates the optimizer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public AdagradServerOptimizer(AdaptiveOptimizerOptions options)
        : base(options)
    {
    }

    /// <inheritdoc />
    public override string Name => OptimizerName;

    /// <inheritdoc />
    protected override float NextSecondMoment(float v, float gradientSquared) => v + gradientSquared;
}
