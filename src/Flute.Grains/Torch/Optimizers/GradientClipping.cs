using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flute.Grains.Torch.Optimizers;

/// <summary>
/// <c>torch.nn.utils.clip_grad_norm_</c> with the 2-norm, computed as PyTorch does in float32: the
/// total norm is the norm of the per-parameter gradient norms, and every gradient is multiplied by
/// min(1, max_norm / (total + 1e-6)) (a factor of 1 changes no bits).
/// </summary>
internal static class GradientClipping
{
    // Constants of every step, created once (a Scalar is a native allocation) and alive for the process.
    private static readonly Scalar Epsilon = 1e-6;
    private static readonly Scalar MaxCoefficient = 1.0;

    /// <summary>Clips the parameters' gradients in place; call inside the batch's dispose scope.</summary>
    /// <returns>The total norm before clipping (0 when no parameter has a gradient).</returns>
    public static float ClipTotalNorm(IReadOnlyList<Parameter> parameters, double maxNorm)
    {
        var grads = new List<Tensor>(parameters.Count);
        foreach (var p in parameters)
        {
            if (p.grad is { } grad) grads.Add(grad);
        }
        if (grads.Count == 0) return 0;
        // Tensor.norm(2) runs linalg.vector_norm's kernel; linalg.vector_norm itself would hand libtorch
        // a temporary Scalar for the order (see NativeScalars), as would `total + 1e-6` and `max: 1.0`.
        var norms = new Tensor[grads.Count];
        for (int i = 0; i < norms.Length; i++) norms[i] = grads[i].norm();
        var total = stack(norms).norm();
        using Scalar limit = maxNorm;
        var coefficient = clamp(total.add(Epsilon, NativeScalars.One).reciprocal_().mul_(limit), max: MaxCoefficient);
        foreach (var grad in grads) grad.mul_(coefficient);
        return total.item<float>();
    }
}
