namespace Flute.Core.ServerOptimizers;

/// <summary>
/// FedAdam: v ← β2·v + (1 − β2)·g², then the shared adaptive step. Reddi, Charles, Zaheer, Garrett,
/// Rush, Konečný, Kumar and McMahan, "Adaptive Federated Optimization", ICLR 2021, arXiv:2003.00295
/// (Algorithm 2). State: the moments m and v.
/// </summary>
public sealed class AdamServerOptimizer : AdaptiveServerOptimizer
{
    /// <summary>The registered name.</summary>
    public const string OptimizerName = "adam";

    /// <summary>server.lr when the config does not set it (<see cref="ServerOptimizerDefaults"/>).</summary>
    public const double DefaultLearningRate = 0.01;

    private readonly float _beta2;
    private readonly float _oneMinusBeta2;

    /// <summary>Creates the optimizer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public AdamServerOptimizer(AdaptiveOptimizerOptions options)
        : base(options)
    {
        _beta2 = (float)options.Beta2;
        _oneMinusBeta2 = (float)(1 - options.Beta2);
    }

    /// <inheritdoc />
    public override string Name => OptimizerName;

    /// <inheritdoc />
    protected override float NextSecondMoment(float v, float gradientSquared) => _beta2 * v + _oneMinusBeta2 * gradientSquared;
}
