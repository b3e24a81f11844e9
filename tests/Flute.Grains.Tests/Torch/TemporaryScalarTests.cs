using Flute.Grains.Torch;
using Flute.Tests.Shared;
using static TorchSharp.torch;

namespace Flute.Grains.Tests.Torch;

/// <summary>
/// No call site in Flute.Grains (or in these tests) hands libtorch a TorchSharp Scalar that nothing keeps
/// alive (<see cref="TemporaryScalarScan"/>, <see cref="NativeScalars"/>): such a call fails at random
/// when a garbage collection runs the temporary's finalizer mid-call, as the LSTM test did in CI in
/// Adam's <c>add_(eps)</c>. <see cref="FinalizerRaceTests"/> shows the failure itself.
/// </summary>
public sealed class TemporaryScalarTests
{
    internal static readonly Lazy<HashSet<string>> UnsafeTorchSharp =
        new(() => TemporaryScalarScan.UnsafeTorchSharpMethods(typeof(Tensor).Assembly.Location));

    private const string T = "TorchSharp.torch+Tensor";

    [Fact]
    public void The_scan_knows_TorchSharps_overloads_that_make_a_temporary_scalar()
    {
        var unsafeMethods = UnsafeTorchSharp.Value;
        // add_(target) is add_(target, 1); add_(scalar) is add_(scalar, 1); a + b is a.add(b);
        // linalg.vector_norm converts its order to a Scalar inline.
        Assert.Contains($"{T} {T}::add_({T})", unsafeMethods);
        Assert.Contains($"{T} {T}::add_(TorchSharp.Scalar)", unsafeMethods);
        Assert.Contains($"{T} {T}::op_Addition({T},{T})", unsafeMethods);
        Assert.Contains($"{T} TorchSharp.torch+linalg::vector_norm({T},Double,Int64[],Boolean)", unsafeMethods);
        // The overloads that take every Scalar from the caller are safe in themselves.
        Assert.DoesNotContain($"{T} {T}::add_({T},TorchSharp.Scalar)", unsafeMethods);
        Assert.DoesNotContain($"{T} {T}::add_(TorchSharp.Scalar,TorchSharp.Scalar)", unsafeMethods);
        Assert.DoesNotContain($"{T} {T}::mul_(TorchSharp.Scalar)", unsafeMethods);
        Assert.DoesNotContain($"{T} {T}::norm(Single)", unsafeMethods);
    }

    [Fact]
    public void The_scan_finds_an_implicit_conversion_passed_straight_into_a_call()
    {
        var findings = TemporaryScalarScan.Scan(typeof(TemporaryScalarTests).Assembly.Location, UnsafeTorchSharp.Value);

        Assert.Contains(findings, f => f.Method.Contains("Examples::ConvertsInline", StringComparison.Ordinal) && f.Reason.Contains("op_Implicit", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Method.Contains("Examples::CallsAnUnsafeOverload", StringComparison.Ordinal) && f.Reason.Contains("::add_(", StringComparison.Ordinal));
        Assert.DoesNotContain(findings, f => f.Method.Contains("Examples::KeepsItsScalar", StringComparison.Ordinal));
    }

    [Fact]
    public void No_call_site_in_Flute_Grains_or_its_tests_passes_libtorch_a_temporary_scalar()
    {
        var findings = TemporaryScalarScan.Scan(typeof(NativeScalars).Assembly.Location, UnsafeTorchSharp.Value);
        findings.AddRange(TemporaryScalarScan.Scan(typeof(TemporaryScalarTests).Assembly.Location, UnsafeTorchSharp.Value)
            .Where(f => !f.Method.Contains("+Examples::", StringComparison.Ordinal)));

        Assert.True(findings.Count == 0, $"{findings.Count} call sites:\n" + string.Join("\n", findings));
    }

    /// <summary>What the scan must flag and must not; compiled, never run.</summary>
    private static class Examples
    {
        public static void ConvertsInline(Tensor t) => t.mul_(0.5);

        public static void CallsAnUnsafeOverload(Tensor t, Tensor u) => t.add_(u);

        public static void KeepsItsScalar(Tensor t, Tensor u)
        {
            using TorchSharp.Scalar half = 0.5;
            t.mul_(half).add_(u, NativeScalars.One);
        }
    }
}
