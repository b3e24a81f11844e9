using System.Diagnostics;

namespace Flute.Client.Tests;

/// <summary>Runs the built <c>flute</c> binary as a real process (never builds it: the test command builds first).</summary>
internal static class FluteProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static string RepositoryRoot { get; } = FindRoot();

    public static string Binary { get; } = FindBinary();

    public static Result Run(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(Binary)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Binary}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"flute {string.Join(' ', args)} did not finish in 5 minutes");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
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
