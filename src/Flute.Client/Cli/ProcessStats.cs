using System.Diagnostics;

namespace Flute.Client.Cli;

/// <summary>Process-level figures for summary.json.</summary>
public static class ProcessStats
{
    /// <summary>Seconds since the OS started this process.</summary>
    public static double SecondsSinceStart() =>
        (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds;

    /// <summary>Peak resident set size (VmHWM) in MiB; falls back to the runtime's peak working set.</summary>
    public static double PeakRssMegabytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim()) / 1024.0;
            }
        }
        catch (IOException)
        {
        }
        return Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
    }
}
