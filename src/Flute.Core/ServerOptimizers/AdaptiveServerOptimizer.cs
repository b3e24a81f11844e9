namespace Flute.Core.ServerOptimizers;

/// <summary>
/// The shared step of Reddi et al.'s Algorithm 2 ("Adaptive Federated Optimization", ICLR 2021,
/// arXiv:2003.00295); subclasses supply the second-moment rule (Adam, Yogi, Adagrad).
/// </summary>
/// <remarks>
/// The paper applies Δ = mean(local − global); Flute's pseudo-gradient g is global − local = −Δ. Since
/// negation is exact in floating point, keeping m over g and subtracting gives the paper's bits:
/// m ← β1·m + (1 − β1)·g, v ← rule(v, g²), w ← w − η·m / (√v + τ), with m₀ = 0 and v₀ = τ² (no bias
/// correction, as in the paper). Arithmetic is float32 per coordinate, so each value depends only on
/// its own coordinate's history.
/// </remarks>
public abstract class AdaptiveServerOptimizer : IServerOptimizer
{
    private readonly float _beta1;
    private readonly float _oneMinusBeta1;
    private readonly float _tau;
    private float[]? _m;
    private float[]? _v;

    /// <summary>Creates the optimizer after validating <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    protected AdaptiveServerOptimizer(AdaptiveOptimizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _beta1 = (float)options.Beta1;
        _oneMinusBeta1 = (float)(1 - options.Beta1);
        _tau = (float)options.Tau;
    }

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <summary>The hyper-parameters.</summary>
    public AdaptiveOptimizerOptions Options { get; }

    /// <summary>The new second moment of one coordinate from its previous value and g².</summary>
    protected abstract float NextSecondMoment(float v, float gradientSquared);

    /// <summary>One step with the configured learning rate (<see cref="AdaptiveOptimizerOptions.LearningRate"/>).</summary>
    public void Step(Span<float> weights, ReadOnlySpan<float> pseudoGradient) => Step(weights, pseudoGradient, Options.LearningRate);

    /// <inheritdoc />
    public void Step(Span<float> weights, ReadOnlySpan<float> pseudoGradient, double learningRate)
    {
        if (!double.IsFinite(learningRate) || learningRate < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The round's learning rate must be finite and ≥ 0.");
        }
        if (weights.Length != pseudoGradient.Length)
        {
            throw new ArgumentException($"The pseudo-gradient has {pseudoGradient.Length} values; the weights have {weights.Length}.", nameof(pseudoGradient));
        }
        if (_m is null || _v is null)
        {
            _m = new float[weights.Length];
            _v = new float[weights.Length];
            Array.Fill(_v, _tau * _tau);
        }
        else if (_m.Length != weights.Length)
        {
            throw new ArgumentException($"The optimizer holds moments for {_m.Length} weights, not {weights.Length}.", nameof(weights));
        }

        float lr = (float)learningRate;
        Span<float> m = _m;
        Span<float> v = _v;
        for (int i = 0; i < weights.Length; i++)
        {
            float g = pseudoGradient[i];
            float mi = _beta1 * m[i] + _oneMinusBeta1 * g;
            float vi = NextSecondMoment(v[i], g * g);
            m[i] = mi;
            v[i] = vi;
            weights[i] -= lr * mi / (MathF.Sqrt(vi) + _tau);
        }
    }

    /// <summary>A copy of [m, v], or empty before the first step.</summary>
    public IReadOnlyList<float[]> ExportState() =>
        _m is null || _v is null ? [] : [(float[])_m.Clone(), (float[])_v.Clone()];

    /// <summary>Restores [m, v] from <see cref="ExportState"/> (copied), or the initial state from an empty list.</summary>
    /// <exception cref="ArgumentException">Not zero or two arrays of equal length.</exception>
    public void ImportState(IReadOnlyList<float[]> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        switch (state.Count)
        {
            case 0:
                _m = null;
                _v = null;
                break;
            case 2 when state[0] is not null && state[1] is not null && state[0].Length == state[1].Length:
                _m = (float[])state[0].Clone();
                _v = (float[])state[1].Clone();
                break;
            default:
                throw new ArgumentException(
                    $"{Name} holds two arrays of equal length (first and second moments), not {state.Count} arrays of lengths " +
                    $"[{string.Join(", ", state.Select(a => a?.Length ?? -1))}].",
                    nameof(state));
        }
    }
}
