using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flute.Grains.Torch;

/// <summary>
/// FedProx's client hook: the local objective gains (μ/2)·‖w − w_global‖², so each gradient gains
/// μ·(w − w_global) (Flute.Core.Strategies.FedProx.AddProximalGradient is the reference). Keeps a copy
/// of the global weights, taken when the job starts, for the length of the job.
/// </summary>
internal sealed class ProximalTerm : ClientHook
{
    private readonly Tensor[] _global;
    private readonly Scalar _mu;

    public ProximalTerm(double mu, IReadOnlyList<Parameter> parameters)
    {
        _mu = mu;
        _global = new Tensor[parameters.Count];
        // The scope keeps each detach() wrapper reachable until clone() has read it: a wrapper nothing
        // refers to may be finalized, and its tensor freed, while libtorch runs (see NativeScalars).
        using (NewDisposeScope())
        using (no_grad())
        {
            for (int i = 0; i < parameters.Count; i++) _global[i] = parameters[i].detach().clone().DetachFromDisposeScope();
        }
    }

    public override void AdjustGradients(IReadOnlyList<Parameter> parameters)
    {
        for (int i = 0; i < parameters.Count; i++)
        {
            if (parameters[i].grad is not { } grad) continue;
            grad.add_(parameters[i].sub(_global[i]), _mu);
        }
    }

    public override void Dispose()
    {
        foreach (Tensor t in _global) t.Dispose();
        _mu.Dispose();
    }
}
