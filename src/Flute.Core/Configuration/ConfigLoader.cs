namespace Flute.Core.Configuration;

/// <summary>
/// Loads an experiment configuration from YAML plus <c>--set key.path=value</c> overrides and
/// validates it completely before anything runs. Every problem is a <see cref="ConfigException"/>
/// with a one-line message naming the key; docs/configuration.md lists the keys.
/// </summary>
public static class ConfigLoader
{
    /// <summary>Loads and validates the YAML file at <paramref name="path"/>, then applies <paramref name="overrides"/> in order.</summary>
    /// <exception cref="ConfigException">The file is missing, unreadable or malformed, or any key is unknown or invalid.</exception>
    public static FluteConfig Load(string path, IReadOnlyList<string> overrides)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new ConfigException(path, "file not found");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, $"cannot read the file: {e.Message}");
        }
        return LoadText(text, path, overrides, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>
    /// Loads and validates YAML text; <paramref name="sourceName"/> names it in messages (usually the file path).
    /// Overrides win over the text, and later overrides win over earlier ones.
    /// </summary>
    /// <exception cref="ConfigException">The text is malformed, or any key is unknown or invalid.</exception>
    /// <param name="yaml">The config text.</param>
    /// <param name="sourceName">Names the text in messages.</param>
    /// <param name="overrides"><c>key.path=value</c> items.</param>
    /// <param name="baseDirectory">The directory the text's relative plug-in paths (experiment.plugins) are relative to: the config file's; null = the working directory, as for overrides.</param>
    public static FluteConfig LoadText(string yaml, string sourceName, IReadOnlyList<string> overrides, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(overrides);
        var values = new Dictionary<string, ConfigNode>(StringComparer.Ordinal);
        ConfigBinder.Collect(YamlConfigReader.ReadDocument(yaml, sourceName), sourceName, values);
        if (baseDirectory is not null) ResolvePluginPaths(values, baseDirectory);
        foreach (string item in overrides)
        {
            ApplyOverride(item, values);
        }
        // Only the final value of each key is checked, so an override can repair a bad value in the file.
        return ConfigBinder.Bind(values);
    }

    /// <summary>Checks every rule on a config built in code; throws the same errors as loading would.</summary>
    /// <exception cref="ConfigException">A key's value breaks its rule.</exception>
    public static void Validate(FluteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        ConfigBinder.Validate(config);
    }

    /// <summary>A config file names its plug-ins relative to itself, so it runs from any working directory.</summary>
    private static void ResolvePluginPaths(Dictionary<string, ConfigNode> values, string baseDirectory)
    {
        const string key = "experiment.plugins";
        if (!values.TryGetValue(key, out ConfigNode? node) || node.Kind != ConfigNodeKind.Scalar) return;
        IEnumerable<string> paths = node.Text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => Path.GetFullPath(p, baseDirectory));
        values[key] = ConfigNode.Scalar(string.Join(",", paths), quoted: true);
    }

    private static void ApplyOverride(string item, Dictionary<string, ConfigNode> values)
    {
        int eq = item.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0)
        {
            throw new ConfigException($"--set {ConfigValues.Quote(item)}", "expected key.path=value, found no '='");
        }
        string path = item[..eq].Trim();
        if (path.Length == 0)
        {
            throw new ConfigException($"--set {ConfigValues.Quote(item)}", "expected key.path=value, found no key path before '='");
        }
        ConfigKey key = ConfigBinder.ResolvePath(path);
        values[key.Path] = YamlConfigReader.ReadValue(item[(eq + 1)..], key.Path);
    }
}
