namespace Flute.Core.ServerOptimizers;

/// <summary>
/// FedYogi: v ← v − (1 − β2)·g²·sign(v − g²), then the shared adaptive step; unlike Adam, v moves by an
/// amount that does not depend on v, so it grows slowly after a large gradient. Reddi, Charles, Zaheer,
/// Garrett, Rush, Konečný, Kumar and McMahan, "Adaptive Federated Optimization", ICLR 2021,
/// arXiv:2003.00295 (Algorithm 2; the rule is from Zaheer et al., NeurIPS 2018). State: m and v.
/// </summary>
public sealed class YogiServerOptimizer : AdaptiveServerOptimizer
{
    /// <summary>The registered name.</summary>
    public const string OptimizerName = "yogi";

    /// <summary>server.lr when the config does not set it (<see cref="ServerOptimizerDefaults"/>).</summary>
    public const double DefaultLearningRate = 0.01;

    private readonly float _oneMinusBeta2;

    /// <summary>Creates the optimizer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public YogiServerOptimizer(AdaptiveOptimizerOptions options)
        : base(options)
    {
        _oneMinusBeta2 = (float)(1 - options.Beta2);
    }

    /// <inheritdoc />
    public override string Name => OptimizerName;

    /// <inheritdoc />
    protected override float NextSecondMoment(float v, float gradientSquared)
    {
        // Comparisons rather than MathF.Sign, which throws on NaN (v − g² is NaN once both are infinite).
        float difference = v - gradientSquared;
        float sign = difference > 0 ? 1f : difference < 0 ? -1f : 0f;
        return v - _oneMinusBeta2 * gradientSquared * sign;
    }
}
