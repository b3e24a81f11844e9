using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Flute.Tests.Shared;

/// <summary>
/// Azurite (the Azure Storage emulator) for tests: the connection string from FLUTE_TEST_AZURITE when
/// ./test.sh (or a developer) started one, otherwise an instance of its own started and stopped through
/// <c>deploy/azurite.sh</c> with a private state directory. Compiled into each test project that
/// needs it (linked source, not a project reference).
/// </summary>
internal static class Azurite
{
    /// <summary>The variable holding a running Azurite's connection string.</summary>
    public const string Variable = "FLUTE_TEST_AZURITE";

    private const string ExportPrefix = "export " + Variable + "='";

    // The first start installs Azurite with npm (about a minute here); later starts take seconds.
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The connection string in <see cref="Variable"/>, or null if it is unset.</summary>
    public static string? FromEnvironment() =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    /// <summary>
    /// The repository root: the nearest directory holding Flute.sln above the test binaries, else above
    /// the working directory, else above this source file (binaries built with --artifacts-path live
    /// outside the repository).
    /// </summary>
    public static string RepositoryRoot() => FindRoot(AppContext.BaseDirectory) ?? FindRoot(Environment.CurrentDirectory) ?? FindRoot(SourceDirectory())
        ?? throw new InvalidOperationException($"Flute.sln not found above {AppContext.BaseDirectory}, {Environment.CurrentDirectory} or {SourceDirectory()}");

    private static string? FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Flute.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path) ?? "";

    /// <summary>Starts an Azurite whose pid, ports and data are kept in <paramref name="stateDirectory"/>; returns its connection string.</summary>
    public static string Start(string stateDirectory)
    {
        string output = RunScript(stateDirectory, s_startTimeout, "start", "--print-env");
        foreach (string line in output.Split('\n'))
        {
            if (line.StartsWith(ExportPrefix, StringComparison.Ordinal) && line.TrimEnd().EndsWith('\''))
            {
                return line.TrimEnd()[ExportPrefix.Length..^1];
            }
        }
        throw new InvalidOperationException($"deploy/azurite.sh start printed no '{ExportPrefix}...' line: {output}");
    }

    /// <summary>Stops the Azurite of <paramref name="stateDirectory"/> and deletes its data.</summary>
    public static void Stop(string stateDirectory) => RunScript(stateDirectory, s_stopTimeout, "stop");

    private static string RunScript(string stateDirectory, TimeSpan timeout, params string[] arguments)
    {
        string root = RepositoryRoot();
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(root, "deploy", "azurite.sh"));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["FLUTE_AZURITE_STATE"] = stateDirectory;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"deploy/azurite.sh {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:0} s");
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"deploy/azurite.sh {string.Join(' ', arguments)} exited with {process.ExitCode}: {stderr.Result.Trim()}");
        }
        return stdout.Result;
    }
}
