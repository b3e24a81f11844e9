using System.Diagnostics;

namespace Flute.Client.Tests;

/// <summary>Runs the built <c>flute</c> binary as a real process (never builds it: the test command builds first).</summary>
internal static class FluteProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static string RepositoryRoot { get; } = FindRoot();

    public static string Binary { get; } = FindBinary();

    public static Result Run(string workingDirectory, params string[] args) =>
        RunWith(workingDirectory, null, args);

    /// <summary>Runs to completion with extra environment variables.</summary>
    public static Result RunWith(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var process = Process.Start(StartInfo(workingDirectory, environment, args)) ?? throw new InvalidOperationException($"could not start {Binary}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"flute {string.Join(' ', args)} did not finish in 5 minutes");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts the CLI and returns at once; stdout lines are collected as they come.</summary>
    public static Running Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        new(Process.Start(StartInfo(workingDirectory, environment, args)) ?? throw new InvalidOperationException($"could not start {Binary}"), args);

    private static ProcessStartInfo StartInfo(string workingDirectory, IReadOnlyDictionary<string, string>? environment, string[] args)
    {
        var start = new ProcessStartInfo(Binary)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args) start.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        return start;
    }

    /// <summary>A CLI process in flight: its output so far, a way to wait for a line, and SIGKILL/SIGINT.</summary>
    public sealed class Running : IDisposable
    {
        private readonly Process _process;
        private readonly string[] _args;
        private readonly List<string> _lines = [];
        private readonly Task<string> _stderr;
        private readonly Task _stdout;

        public Running(Process process, string[] args)
        {
            _process = process;
            _args = args;
            _stderr = process.StandardError.ReadToEndAsync();
            _stdout = Task.Run(async () =>
            {
                while (await process.StandardOutput.ReadLineAsync() is string line)
                {
                    lock (_lines) _lines.Add(line);
                }
            });
        }

        public int Pid => _process.Id;

        public string StdOut
        {
            get { lock (_lines) return string.Join('\n', _lines); }
        }

        /// <summary>Waits until a stdout line starts with <paramref name="prefix"/>; false if the process ended first or the timeout passed.</summary>
        public bool WaitForLine(string prefix, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                lock (_lines)
                {
                    if (_lines.Any(l => l.StartsWith(prefix, StringComparison.Ordinal))) return true;
                }
                if (_process.HasExited && _stdout.IsCompleted) return false;
                Thread.Sleep(5);
            }
            return false;
        }

        /// <summary>
        /// Waits until a progress line "round NN/TOTAL" with NN ≥ <paramref name="round"/> is printed; false if
        /// the process ended first or the timeout passed.
        /// </summary>
        public bool WaitForRound(int round, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                lock (_lines)
                {
                    if (_lines.Any(l => RoundOf(l) >= round)) return true;
                }
                if (_process.HasExited && _stdout.IsCompleted) return false;
                Thread.Sleep(2);
            }
            return false;
        }

        /// <summary>The round of a progress line ("round 07/80  loss …"), or -1.</summary>
        public static int RoundOf(string line)
        {
            if (!line.StartsWith("round ", StringComparison.Ordinal)) return -1;
            int slash = line.IndexOf('/', StringComparison.Ordinal);
            return slash > 6 && int.TryParse(line.AsSpan(6, slash - 6), out int round) ? round : -1;
        }

        /// <summary>SIGKILL, like a crash or the OOM killer.</summary>
        public void Kill() => _process.Kill();

        public void Signal(int signal) => Process.Start("kill", [$"-{signal}", _process.Id.ToString()])!.WaitForExit();

        public Result WaitForExit(TimeSpan? timeout = null)
        {
            if (!_process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
            {
                _process.Kill(entireProcessTree: true);
                throw new TimeoutException($"flute {string.Join(' ', _args)} did not finish in time");
            }
            _stdout.Wait();
            return new Result(_process.ExitCode, StdOut, _stderr.Result);
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill();
            _process.Dispose();
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Flute.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Flute.sln not found above {AppContext.BaseDirectory}");
    }

    private static string FindBinary()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("FLUTE_BIN");
        if (!string.IsNullOrEmpty(fromEnvironment)) return fromEnvironment;
        // Same configuration as this test assembly: bin/<Configuration>/net10.0/.
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        string binary = Path.Combine(RepositoryRoot, "src", "Flute.Client", "bin", configuration, "net10.0", "flute");
        return File.Exists(binary)
            ? binary
            : throw new FileNotFoundException($"built CLI not found at {binary}; run the tests with 'dotnet test Flute.sln' (or set FLUTE_BIN)");
    }
}
