using TorchSharp;

namespace Flute.Grains.Torch;

/// <summary>
/// Scalars that live for the whole process, for the TorchSharp overloads that would otherwise make a
/// temporary one. TorchSharp 0.107's <see cref="Scalar"/> frees its native value in a finalizer, and a
/// temporary passed straight into a call (an implicit <c>1e-8</c> → Scalar, or TorchSharp's own
/// <c>add_(t)</c> = <c>add_(t, 1)</c>) is unreachable while libtorch reads it: a garbage collection on
/// another thread can free it mid-call, which fails at random ("Expected false to be true" from
/// <c>Scalar::toFloat</c>; seen in CI in Adam's step). Flute's rule, checked over the compiled IL by
/// <c>TemporaryScalarTests</c>: every Scalar handed to libtorch is held in a field, a <c>using</c>
/// local or here, and only overloads that take every Scalar from the caller are called.
/// </summary>
internal static class NativeScalars
{
    /// <summary>The integer 1, the <c>alpha</c> TorchSharp's one-argument <c>add</c>/<c>add_</c> use.</summary>
    public static readonly Scalar One = 1;
}
