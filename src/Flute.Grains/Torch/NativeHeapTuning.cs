using System.Runtime.InteropServices;

namespace Flute.Grains.Torch;

/// <summary>
/// Keeps libtorch's freed activation buffers in glibc's heap instead of returning them to the OS.
/// By default glibc serves blocks over 128 KiB (a CNN's activations at batch 32) with mmap and
/// unmaps them on free, so every training step page-faults its buffers in again; on the VMs Flute
/// is developed on a fresh page costs ~3 ms per MiB, which halved CNN training speed (measured:
/// 8 rounds of examples/mnist-cnn.yaml, 1.3–2.4 s per round before, 0.5–0.8 s after, identical
/// model bits). A fixed mmap threshold of 32 MiB and a high trim threshold keep those buffers
/// resident and reused. Applied once per process, before the first trainer starts; glibc only.
/// </summary>
internal static partial class NativeHeapTuning
{
    private const int MallocTrimThreshold = -1;   // M_TRIM_THRESHOLD
    private const int MallocMmapThreshold = -3;   // M_MMAP_THRESHOLD
    private const int MmapThresholdBytes = 32 << 20;          // glibc's upper limit on 64-bit
    private const int TrimThresholdBytes = 1 << 30;

    private static int _applied;

    public static void Apply()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref _applied, 1) == 1) return;
        if (Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is not null) return;   // the user's choice wins
        try
        {
            mallopt(MallocMmapThreshold, MmapThresholdBytes);
            mallopt(MallocTrimThreshold, TrimThresholdBytes);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (e.g. musl): nothing to tune.
        }
    }

    [LibraryImport("libc.so.6")]
    private static partial int mallopt(int param, int value);
}
