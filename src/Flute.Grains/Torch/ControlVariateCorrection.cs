using System.Runtime.InteropServices;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flute.Grains.Torch;

/// <summary>
/// SCAFFOLD's client hook: every gradient gains the correction c − c_i, so the step follows
/// g − c_i + c (Flute.Core.Strategies.Scaffold.GradientCorrection computes the vector). The
/// correction is copied once per job into torch-allocated tensors shaped like the parameters (a wrapped
/// managed array's varying alignment would make the bits vary, DESIGN.md).
/// </summary>
internal sealed class ControlVariateCorrection : ClientHook
{
    private readonly Tensor[] _correction;

    public ControlVariateCorrection(ReadOnlySpan<float> correction, ModelReplica replica)
    {
        ModelLayout layout = replica.Layout;
        if (correction.Length != layout.ParameterCount)
            throw new ArgumentException($"SCAFFOLD's gradient correction has {correction.Length} values; model {replica.Spec} has {layout.ParameterCount} parameters");
        _correction = new Tensor[layout.Parameters.Count];
        for (int i = 0; i < _correction.Length; i++)
        {
            ParameterInfo info = layout.Parameters[i];
            Tensor t = empty(info.Shape, ScalarType.Float32).DetachFromDisposeScope();
            _correction[i] = t;
            MemoryMarshal.AsBytes(correction.Slice(info.Offset, info.Count)).CopyTo(t.bytes);
        }
    }

    public override void AdjustGradients(IReadOnlyList<Parameter> parameters)
    {
        for (int i = 0; i < parameters.Count; i++)
        {
            if (parameters[i].grad is not { } grad) continue;
            grad.add_(_correction[i], NativeScalars.One);
        }
    }

    public override void Dispose()
    {
        foreach (Tensor t in _correction) t?.Dispose();
    }
}
