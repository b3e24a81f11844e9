using System.Numerics.Tensors;

namespace Flute.Core.ServerOptimizers;

/// <summary>
/// Server SGD with heavy-ball momentum: v ← μ·v + g, w ← w − lr·v (v starts at zero, so the first
/// step is w − lr·g). With lr = 1 and μ = 0 it is FedAvg's w − g; with μ &gt; 0 it is FedAvgM
/// (Hsu, Qi and Brown, "Measuring the Effects of Non-Identical Data Distribution for Federated Visual
/// Classification", 2019, arXiv:1909.06335). State: the velocity, once momentum has been used.
/// </summary>
public sealed class SgdServerOptimizer : IServerOptimizer
{
    /// <summary>The registered name.</summary>
    public const string OptimizerName = "sgd";

    private readonly float _momentum;
    private float[]? _velocity;

    /// <summary>Creates the optimizer; <paramref name="learningRate"/> &gt; 0, <paramref name="momentum"/> in [0, 1).</summary>
    public SgdServerOptimizer(double learningRate = 1.0, double momentum = 0.0)
    {
        if (!double.IsFinite(learningRate) || learningRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be finite and positive.");
        }
        if (!(momentum >= 0 && momentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be in [0, 1).");
        }
        LearningRate = learningRate;
        Momentum = momentum;
        _momentum = (float)momentum;
    }

    /// <inheritdoc />
    public string Name => OptimizerName;

    /// <summary>The learning rate lr.</summary>
    public double LearningRate { get; }

    /// <summary>The momentum μ.</summary>
    public double Momentum { get; }

    /// <summary>One step with the configured learning rate (<see cref="LearningRate"/>).</summary>
    public void Step(Span<float> weights, ReadOnlySpan<float> pseudoGradient) => Step(weights, pseudoGradient, LearningRate);

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
        float lr = (float)learningRate;
        if (_momentum == 0)
        {
            TensorPrimitives.MultiplyAdd(pseudoGradient, -lr, weights, weights);
            return;
        }
        if (_velocity is null)
        {
            _velocity = new float[weights.Length];
        }
        else if (_velocity.Length != weights.Length)
        {
            throw new ArgumentException($"The optimizer holds velocity for {_velocity.Length} weights, not {weights.Length}.", nameof(weights));
        }
        TensorPrimitives.MultiplyAdd(_velocity, _momentum, pseudoGradient, _velocity);
        TensorPrimitives.MultiplyAdd(_velocity, -lr, weights, weights);
    }

    /// <inheritdoc />
    public IReadOnlyList<float[]> ExportState() => _velocity is null ? [] : [(float[])_velocity.Clone()];

    /// <inheritdoc />
    public void ImportState(IReadOnlyList<float[]> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        switch (state.Count)
        {
            case 0:
                _velocity = null;
                break;
            case 1 when _momentum != 0:
                _velocity = (float[])state[0].Clone();
                break;
            default:
                throw new ArgumentException(
                    $"SGD with momentum {Momentum} holds {(_momentum == 0 ? "no state" : "one velocity array")}, not {state.Count} arrays.",
                    nameof(state));
        }
    }
}
