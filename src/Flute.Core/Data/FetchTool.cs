using System.ComponentModel;
using System.Diagnostics;

namespace Flute.Core.Data;

/// <summary>How running a package client for a data fetch went wrong.</summary>
public enum FetchToolFailure
{
    /// <summary>The program is not installed (the detail is the operating system's reason).</summary>
    NotFound,

    /// <summary>It ran past its time limit and was killed.</summary>
    TimedOut,

    /// <summary>It exited with an error (the detail is "exit N: its last line of output").</summary>
    Failed,
}

/// <summary>
/// Runs a package registry's ordinary client (npm, apt-get, dpkg-deb) for a data fetch: both
/// output pipes drained at once, so a chatty tool cannot block on a full pipe; killed with its
/// children after a time limit; any failure an <see cref="InvalidOperationException"/> whose one
/// line the caller words (it knows the data set and the advice).
/// </summary>
public static class FetchTool
{
    /// <summary>Runs <paramref name="tool"/> in <paramref name="workingDirectory"/>; <paramref name="message"/> words a failure from its kind and detail.</summary>
    public static void Run(string tool, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout, Func<FetchToolFailure, string, string> message)
    {
        var start = new ProcessStartInfo(tool)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(message(FetchToolFailure.NotFound, e.Message), e);
        }
        if (process is null) throw new InvalidOperationException(message(FetchToolFailure.Failed, $"{tool} did not start"));
        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException(message(FetchToolFailure.TimedOut, $"{timeout.TotalMinutes} minutes"));
            }
            process.WaitForExit();
            Task.WaitAll(stdout, stderr);
            if (process.ExitCode != 0)
            {
                string reason = LastLine(stderr.Result) ?? LastLine(stdout.Result) ?? "no output";
                throw new InvalidOperationException(message(FetchToolFailure.Failed, $"exit {process.ExitCode}: {reason}"));
            }
        }
    }

    private static string? LastLine(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? null : lines[^1];
    }

    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(15);

    /// <summary>Takes the exclusive fetch lock <paramref name="lockPath"/> of data set <paramref name="what"/>, waiting for another fetching process.</summary>
    /// <exception cref="InvalidOperationException">Another process held it for 15 minutes.</exception>
    public static FileStream AcquireLock(string lockPath, string what, TextWriter log)
    {
        var waited = Stopwatch.StartNew();
        bool told = false;
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive advisory lock (flock on Unix); the OS drops it
                // if the holder dies, so a crashed fetch never blocks the next one.
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < LockTimeout)
            {
                if (!told)
                {
                    log.WriteLine($"Waiting for another process fetching {what} (lock {lockPath}) ...");
                    told = true;
                }
                Thread.Sleep(100);
            }
            catch (IOException e)
            {
                throw new InvalidOperationException($"Timed out after {LockTimeout.TotalMinutes} minutes waiting for the {what} fetch lock {lockPath}", e);
            }
        }
    }

    /// <summary>Deletes a fetch's scratch folder, best effort.</summary>
    public static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temp folder wastes disk but is never mistaken for data: it has its own name.
        }
    }
}
