namespace Flute.Core.Configuration;

/// <summary>
/// A configuration that cannot be used. <see cref="Exception.Message"/> is one line of the form
/// <c>config error: &lt;key path or source&gt;: &lt;expected and found&gt;</c>, fit to print as is;
/// the command line prints it to stderr and exits with code 2.
/// </summary>
public sealed class ConfigException : Exception
{
    /// <summary>An error about <paramref name="keyPath"/> (a key path such as <c>client.lr</c>, a section, a file, or an override).</summary>
    public ConfigException(string keyPath, string detail)
        : base(OneLine($"config error: {keyPath}: {detail}"))
    {
        KeyPath = keyPath;
    }

    /// <summary>The key path, section, file or override the error is about.</summary>
    public string KeyPath { get; }

    // Messages quote user input and parser text; either may hold line breaks, and the CLI promises one line.
    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
