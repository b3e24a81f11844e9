using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Flute.Core.Data;

/// <summary>
/// The element-wise kernels that turn raw features into floats when a batch is built: byte → float
/// widening and the affine transform <c>x · scale + shift</c>. Every element gets the same two
/// IEEE roundings (multiply, then add; never a fused multiply-add) in the vector and the scalar
/// path alike, so the bits do not depend on the vector width, the CPU's FMA support or alignment.
/// </summary>
// Hand-written rather than TensorPrimitives: these run per batch from the first round, and the
// generic TensorPrimitives code runs unoptimized (tier 0) for the first few hundred thousand calls,
// which measured 2–3× slower than this over a whole 100-round MNIST run. AggressiveOptimization
// compiles these optimized at once.
internal static class FeatureMath
{
    /// <summary>destination[i] = source[i] (exact: every byte is a float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Widen(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int n = source.Length;
        if (destination.Length < n) throw new ArgumentException("destination is shorter than source", nameof(destination));
        ref byte s = ref MemoryMarshal.GetReference(source);
        ref float d = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - Vector128<byte>.Count; i += Vector128<byte>.Count)
            {
                var (w0, w1, w2, w3) = Widen(Vector128.LoadUnsafe(ref s, (nuint)i));
                w0.StoreUnsafe(ref d, (nuint)i);
                w1.StoreUnsafe(ref d, (nuint)(i + 4));
                w2.StoreUnsafe(ref d, (nuint)(i + 8));
                w3.StoreUnsafe(ref d, (nuint)(i + 12));
            }
        }
        for (; i < n; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i);
    }

    /// <summary>destination[i] = source[i] · scale[i] + shift[i], unfused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WidenAffine(ReadOnlySpan<byte> source, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> destination)
    {
        int n = source.Length;
        if (scale.Length < n || shift.Length < n || destination.Length < n)
            throw new ArgumentException("scale, shift and destination must be at least as long as source");
        ref byte s = ref MemoryMarshal.GetReference(source);
        ref float a = ref MemoryMarshal.GetReference(scale);
        ref float b = ref MemoryMarshal.GetReference(shift);
        ref float d = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - Vector128<byte>.Count; i += Vector128<byte>.Count)
            {
                var (w0, w1, w2, w3) = Widen(Vector128.LoadUnsafe(ref s, (nuint)i));
                AffineStore(w0, ref a, ref b, ref d, i);
                AffineStore(w1, ref a, ref b, ref d, i + 4);
                AffineStore(w2, ref a, ref b, ref d, i + 8);
                AffineStore(w3, ref a, ref b, ref d, i + 12);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i) * Unsafe.Add(ref a, i) + Unsafe.Add(ref b, i);
    }

    /// <summary>values[i] = values[i] · scale[i] + shift[i] in place, unfused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Affine(Span<float> values, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift)
    {
        int n = values.Length;
        if (scale.Length < n || shift.Length < n) throw new ArgumentException("scale and shift must be at least as long as values");
        ref float a = ref MemoryMarshal.GetReference(scale);
        ref float b = ref MemoryMarshal.GetReference(shift);
        ref float d = ref MemoryMarshal.GetReference(values);
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                AffineStore(Vector128.LoadUnsafe(ref d, (nuint)i), ref a, ref b, ref d, i);
        for (; i < n; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref d, i) * Unsafe.Add(ref a, i) + Unsafe.Add(ref b, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float>, Vector128<float>, Vector128<float>, Vector128<float>) Widen(Vector128<byte> v)
    {
        var (low, high) = Vector128.Widen(v);
        var (w0, w1) = Vector128.Widen(low);
        var (w2, w3) = Vector128.Widen(high);
        return (Vector128.ConvertToSingle(w0.AsInt32()), Vector128.ConvertToSingle(w1.AsInt32()),
                Vector128.ConvertToSingle(w2.AsInt32()), Vector128.ConvertToSingle(w3.AsInt32()));
    }

    // Multiply and add are separate operations: the JIT does not contract them into an FMA.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AffineStore(Vector128<float> x, ref float scale, ref float shift, ref float destination, int i) =>
        (x * Vector128.LoadUnsafe(ref scale, (nuint)i) + Vector128.LoadUnsafe(ref shift, (nuint)i)).StoreUnsafe(ref destination, (nuint)i);
}
