using System.Diagnostics;

namespace Flute.Client.Cli;

/// <summary>Process-level figures for summary.json.</summary>
public static class ProcessStats
{
    /// <summary>
    /// Seconds since this process started: since the OS started it, or, when the ./flute wrapper
    /// built the CLI first and then exec'd it (same process), since the wrapper's exec.
    /// </summary>
    public static double SecondsSinceStart()
    {
        DateTime started = Process.GetCurrentProcess().StartTime.ToUniversalTime();
        if (long.TryParse(Environment.GetEnvironmentVariable("FLUTE_LAUNCH_EPOCH_NS"), out long ns))
        {
            DateTime launched = DateTime.UnixEpoch.AddTicks(ns / 100);
            if (launched > started && launched <= DateTime.UtcNow) started = launched;
        }
        return (DateTime.UtcNow - started).TotalSeconds;
    }

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
