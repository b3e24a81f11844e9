using System.Runtime.InteropServices;

namespace Flute.Grains.Hosting;

/// <summary>
/// Pins libtorch's CPU dispatch for the whole process. Three dispatchers pick kernels by CPU when they
/// first run: ATen's vectorized kernels (<c>ATEN_CPU_CAPABILITY</c>), MKL's BLAS
/// (<c>MKL_CBWR</c>, <c>MKL_ENABLE_INSTRUCTIONS</c>) and oneDNN's convolutions
/// (<c>ONEDNN_MAX_CPU_ISA</c>). They read these variables with the C library's <c>getenv</c>, and on
/// Linux .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> changes only the
/// managed copy, so the native environment is written with <c>setenv</c>. Portable mode overrides what
/// the user set, so a user's other values still give the portable bits. It must be applied before
/// libtorch loads: <see cref="Apply"/> refuses once it has.
/// </summary>
public static partial class ComputeDispatch
{
    /// <summary>The variables the dispatch is read from, in the order fingerprints list them.</summary>
    public static IReadOnlyList<string> Variables { get; } =
        ["ATEN_CPU_CAPABILITY", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS", "ONEDNN_MAX_CPU_ISA"];

    /// <summary>
    /// Portable mode's values: ATen and oneDNN at AVX2 (with FMA), the level every x86-64 host this
    /// project has met supports (AMD EPYC with and without AVX-512, Intel Xeon with AVX-512). MKL gets
    /// its COMPATIBLE branch of Conditional Numerical Reproducibility: MKL's AVX2 branch is taken on
    /// Intel CPUs only (elsewhere MKL falls back to its AUTO branch, and the LR_MNIST bits measured
    /// on AMD and Intel differed), while COMPATIBLE is the one branch MKL runs alike on every vendor.
    /// docs/reproducibility.md has the measurements behind the choice.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Portable { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ATEN_CPU_CAPABILITY"] = "avx2",
        ["MKL_CBWR"] = "COMPATIBLE",
        ["MKL_ENABLE_INSTRUCTIONS"] = "AVX2",
        ["ONEDNN_MAX_CPU_ISA"] = "AVX2",
    };

    private static readonly Lock s_gate = new();
    private static ComputeMode? s_mode;

    /// <summary>The mode this process applied (<see cref="ComputeMode.Native"/> when none was).</summary>
    public static ComputeMode Mode
    {
        get
        {
            lock (s_gate) return s_mode ?? ComputeMode.Native;
        }
    }

    /// <summary>
    /// Sets the process's dispatch for <paramref name="mode"/>. Applying the mode already in force is a
    /// no-op; switching after libtorch has loaded (or after another mode was applied) throws a one-line
    /// <see cref="InvalidOperationException"/>, because the kernels are chosen already.
    /// </summary>
    public static void Apply(ComputeMode mode)
    {
        lock (s_gate)
        {
            if (s_mode == mode) return;
            if (s_mode is { } applied)
                throw new InvalidOperationException(
                    $"compute mode {ComputeModes.Name(mode)} requested, but this process already runs in {ComputeModes.Name(applied)} mode; start a new process (a cluster silo: --compute {ComputeModes.Name(mode)})");
            if (mode == ComputeMode.Portable)
            {
                if (LibtorchLoaded() && !PortableInForce())
                    throw new InvalidOperationException(
                        "compute mode portable requested after libtorch loaded with other dispatch settings; start a new process (a cluster silo: --compute portable)");
                foreach (var (name, value) in Portable) Set(name, value);
            }
            else if (LibtorchLoaded() && PortableInForce())
            {
                throw new InvalidOperationException("compute mode native requested after libtorch loaded in portable mode; start a new process");
            }
            s_mode = mode;
        }
    }

    /// <summary>The four variables as the native C library sees them (null: unset).</summary>
    public static IReadOnlyDictionary<string, string?> InForce()
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (string name in Variables) values[name] = NativeGet(name);
        return values;
    }

    /// <summary>Whether libtorch's CPU library is mapped into this process (Linux; elsewhere false).</summary>
    public static bool LibtorchLoaded()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
                if (line.Contains("libtorch_cpu", StringComparison.Ordinal)) return true;
        }
        catch (IOException)
        {
            // No /proc: nothing to check against.
        }
        return false;
    }

    private static bool PortableInForce() =>
        Portable.All(p => string.Equals(NativeGet(p.Key), p.Value, StringComparison.Ordinal));

    private static void Set(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (!OperatingSystem.IsLinux()) return;   // Flute's libtorch package is Linux-only
        if (setenv(name, value, 1) != 0)
            throw new InvalidOperationException($"compute mode portable: setenv({name}) failed (errno {Marshal.GetLastPInvokeError()})");
    }

    private static string? NativeGet(string name)
    {
        if (!OperatingSystem.IsLinux()) return Environment.GetEnvironmentVariable(name);
        nint value = getenv(name);
        return value == 0 ? null : Marshal.PtrToStringUTF8(value);
    }

    [LibraryImport("libc.so.6", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int setenv(string name, string value, int overwrite);

    [LibraryImport("libc.so.6", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getenv(string name);
}
