using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flute.Grains.Torch.Optimizers;

/// <summary>
/// PyTorch's <c>torch.optim.Adam</c> (Kingma and Ba, "Adam: A Method for Stochastic Optimization", 2015,
/// arXiv:1412.6980) without AMSGrad and with L2 weight decay (not AdamW), over one client's steps
/// t = 1, 2, …: g ← g + λ·w; m ← β₁m + (1 − β₁)g (PyTorch 2 computes it as <c>m.lerp_(g, 1 − β₁)</c>,
/// equal in exact arithmetic; TorchSharp 0.107 has no scalar-weight <c>lerp_</c>);
/// v ← β₂v + (1 − β₂)g²; w ← w − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε). m, v and t restart at
/// zero for every job; the denominator is computed in a per-replica scratch buffer, so a step allocates
/// no model-sized tensor.
/// </summary>
internal sealed class AdamClientOptimizer : IClientOptimizer
{
    /// <summary>The registered name.</summary>
    public const string OptimizerName = "adam";

    private readonly IReadOnlyList<Parameter> parameters;
    private readonly Tensor[] firstMoments;
    private readonly Tensor[] secondMoments;
    private readonly Tensor[] scratch;
    private readonly Scalar beta1;
    private readonly Scalar oneMinusBeta1;
    private readonly Scalar beta2;
    private readonly Scalar oneMinusBeta2;
    private readonly Scalar eps;
    private readonly Scalar? weightDecay;
    private double lr;
    private int t;

    public AdamClientOptimizer(ClientOptimizerSettings settings, IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(settings.Beta1 is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(settings), settings.Beta1, "adam beta1 must be in [0, 1)");
        if (!(settings.Beta2 is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(settings), settings.Beta2, "adam beta2 must be in [0, 1)");
        if (!(settings.Eps > 0) || double.IsInfinity(settings.Eps)) throw new ArgumentOutOfRangeException(nameof(settings), settings.Eps, "adam eps must be finite and > 0");
        if (!(settings.WeightDecay >= 0) || double.IsInfinity(settings.WeightDecay)) throw new ArgumentOutOfRangeException(nameof(settings), settings.WeightDecay, "weight decay must be finite and ≥ 0");
        Settings = settings;
        this.parameters = parameters;
        beta1 = settings.Beta1;
        oneMinusBeta1 = 1 - settings.Beta1;
        beta2 = settings.Beta2;
        oneMinusBeta2 = 1 - settings.Beta2;
        eps = settings.Eps;
        if (settings.WeightDecay != 0) weightDecay = settings.WeightDecay;
        firstMoments = OptimizerBuffers.ZerosLike(parameters);
        secondMoments = OptimizerBuffers.ZerosLike(parameters);
        scratch = OptimizerBuffers.ZerosLike(parameters);
    }

    public ClientOptimizerSettings Settings { get; }

    public void Begin(double lr)
    {
        this.lr = lr;
        t = 0;
        OptimizerBuffers.Zero(firstMoments);
        OptimizerBuffers.Zero(secondMoments);
    }

    public void Step()
    {
        t++;
        // The scalar factors in double, as PyTorch computes them in Python floats.
        double biasCorrection1 = 1 - Math.Pow(Settings.Beta1, t);
        double biasCorrection2 = 1 - Math.Pow(Settings.Beta2, t);
        using Scalar negativeStepSize = -(lr / biasCorrection1);
        using Scalar biasCorrection2Sqrt = Math.Sqrt(biasCorrection2);
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            var grad = p.grad;
            if (grad is null) continue;
            if (weightDecay is not null) grad.add_(p, weightDecay);
            var m = firstMoments[i];
            var v = secondMoments[i];
            m.mul_(beta1).add_(grad, oneMinusBeta1);
            v.mul_(beta2).addcmul_(grad, grad, oneMinusBeta2);
            var denominator = scratch[i].copy_(v).sqrt_().div_(biasCorrection2Sqrt).add_(eps, NativeScalars.One);
            p.addcdiv_(m, denominator, negativeStepSize);
        }
    }

    public void Dispose()
    {
        beta1.Dispose();
        oneMinusBeta1.Dispose();
        beta2.Dispose();
        oneMinusBeta2.Dispose();
        eps.Dispose();
        weightDecay?.Dispose();
        OptimizerBuffers.Dispose(firstMoments);
        OptimizerBuffers.Dispose(secondMoments);
        OptimizerBuffers.Dispose(scratch);
    }
}
