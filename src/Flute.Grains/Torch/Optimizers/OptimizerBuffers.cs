using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flute.Grains.Torch.Optimizers;

/// <summary>Per-replica optimizer state tensors: one per parameter, living as long as the optimizer.</summary>
internal static class OptimizerBuffers
{
    /// <summary>A zero tensor shaped like each parameter, kept out of any dispose scope.</summary>
    public static Tensor[] ZerosLike(IReadOnlyList<Parameter> parameters)
    {
        var buffers = new Tensor[parameters.Count];
        try
        {
            for (int i = 0; i < buffers.Length; i++)
                buffers[i] = zeros_like(parameters[i]).DetachFromDisposeScope();
        }
        catch
        {
            Dispose(buffers);
            throw;
        }
        return buffers;
    }

    /// <summary>Zeroes every buffer in place.</summary>
    public static void Zero(Tensor[] buffers)
    {
        using var scope = NewDisposeScope();
        foreach (var buffer in buffers) buffer.zero_();
    }

    public static void Dispose(Tensor[] buffers)
    {
        foreach (var buffer in buffers) buffer?.Dispose();
    }
}
