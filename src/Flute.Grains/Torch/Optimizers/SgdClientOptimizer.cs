using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flute.Grains.Torch.Optimizers;

/// <summary>
/// PyTorch's <c>torch.optim.SGD</c> without dampening or Nesterov: g ← g + λ·w; with momentum μ &gt; 0,
/// b ← μ·b + g and g ← b (b starts at zero, which equals PyTorch's first-step clone of g exactly);
/// w ← w − lr·g. With μ = 0 and λ = 0 a step is the single <c>w.add_(g, −lr)</c> of plain SGD, so the
/// default keeps its bits.
/// </summary>
internal sealed class SgdClientOptimizer : IClientOptimizer
{
    /// <summary>The registered name.</summary>
    public const string OptimizerName = "sgd";

    private readonly IReadOnlyList<Parameter> parameters;
    private readonly Tensor[]? momentumBuffers;
    private readonly Scalar? momentum;
    private readonly Scalar? weightDecay;
    private Scalar? negativeLr;

    public SgdClientOptimizer(ClientOptimizerSettings settings, IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(settings.Momentum is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(settings), settings.Momentum, "sgd momentum must be in [0, 1)");
        if (!(settings.WeightDecay >= 0) || double.IsInfinity(settings.WeightDecay)) throw new ArgumentOutOfRangeException(nameof(settings), settings.WeightDecay, "weight decay must be finite and ≥ 0");
        Settings = settings;
        this.parameters = parameters;
        if (settings.WeightDecay != 0) weightDecay = settings.WeightDecay;
        if (settings.Momentum != 0)
        {
            momentum = settings.Momentum;
            momentumBuffers = OptimizerBuffers.ZerosLike(parameters);
        }
    }

    public ClientOptimizerSettings Settings { get; }

    public void Begin(double lr)
    {
        negativeLr?.Dispose();
        negativeLr = -lr;
        if (momentumBuffers is not null) OptimizerBuffers.Zero(momentumBuffers);
    }

    public void Step()
    {
        Scalar step = negativeLr ?? throw new InvalidOperationException("Begin must be called before Step");
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            var grad = p.grad;
            if (grad is null) continue;
            if (weightDecay is not null) grad.add_(p, weightDecay);
            if (momentumBuffers is not null)
            {
                grad = momentumBuffers[i].mul_(momentum!).add_(grad, NativeScalars.One);
            }
            p.add_(grad, step);
        }
    }

    public void Dispose()
    {
        negativeLr?.Dispose();
        momentum?.Dispose();
        weightDecay?.Dispose();
        if (momentumBuffers is not null) OptimizerBuffers.Dispose(momentumBuffers);
    }
}
