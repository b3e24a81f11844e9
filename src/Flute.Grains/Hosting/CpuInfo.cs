namespace Flute.Grains.Hosting;

/// <summary>The CPU's model name and the instruction-set flags that change libtorch's kernels, read from /proc/cpuinfo.</summary>
public sealed record CpuInfo(string Model, string IsaFlags)
{
    /// <summary>The flags that decide which ATen, MKL and oneDNN code paths a CPU can take, in this order.</summary>
    public static IReadOnlyList<string> RelevantFlags { get; } =
    [
        "sse4_2", "avx", "avx2", "fma", "f16c", "avx_vnni",
        "avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16",
        "amx_tile", "amx_bf16", "amx_int8",
    ];

    /// <summary>This machine's CPU (Linux); elsewhere, or without /proc, "unknown".</summary>
    public static CpuInfo Current()
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo")) return Parse(File.ReadAllText("/proc/cpuinfo"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable /proc is reported as an unknown CPU rather than failing the run.
        }
        return new CpuInfo("unknown", "");
    }

    /// <summary>
    /// The first processor's <c>model name</c> and the <see cref="RelevantFlags"/> among its
    /// <c>flags</c> (x86), space-separated in <see cref="RelevantFlags"/> order. Other architectures
    /// name the model by <c>Model</c> or <c>CPU part</c>, and have none of these flags.
    /// </summary>
    public static CpuInfo Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string? model = null, fallbackModel = null;
        HashSet<string>? flags = null;
        foreach (string line in text.Split('\n'))
        {
            int colon = line.IndexOf(':');
            if (colon < 0) continue;
            string key = line[..colon].Trim();
            string value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "model name": model ??= value; break;
                case "Model" or "CPU part": fallbackModel ??= value; break;
                case "flags" when flags is null: flags = [.. value.Split(' ', StringSplitOptions.RemoveEmptyEntries)]; break;
            }
        }
        string isa = flags is null ? "" : string.Join(' ', RelevantFlags.Where(flags.Contains));
        return new CpuInfo(model ?? fallbackModel ?? "unknown", isa);
    }
}
