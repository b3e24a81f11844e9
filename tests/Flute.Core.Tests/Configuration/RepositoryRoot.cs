using System.Runtime.CompilerServices;

namespace Flute.Core.Tests.Configuration;

/// <summary>Finds the folder holding Flute.sln, so tests can read files such as docs/configuration.md.</summary>
internal static class RepositoryRoot
{
    public static string Find([CallerFilePath] string sourceFile = "")
    {
        // The build output is inside the repository by default; with --artifacts-path it is not,
        // so fall back to where this source file was compiled from.
        return FindFrom(AppContext.BaseDirectory)
            ?? FindFrom(Path.GetDirectoryName(sourceFile) ?? "")
            ?? throw new InvalidOperationException($"Flute.sln not found above {AppContext.BaseDirectory} or {sourceFile}");
    }

    private static string? FindFrom(string start)
    {
        for (var dir = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Flute.sln"))) return dir.FullName;
        }
        return null;
    }
}
