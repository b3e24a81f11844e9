namespace Flute.Core.Configuration;

/// <summary>
/// Turns parsed input into a <see cref="FluteConfig"/> by walking <see cref="ConfigSchema.Keys"/>:
/// structure checks (unknown sections and keys), then types, then rules on the finished config.
/// </summary>
internal static class ConfigBinder
{
    /// <summary>Records every key of a parsed document into <paramref name="values"/> (path → value), rejecting unknown names.</summary>
    public static void Collect(ConfigNode root, string sourceName, IDictionary<string, ConfigNode> values)
    {
        if (root.Kind == ConfigNodeKind.Null) return;
        if (root.Kind != ConfigNodeKind.Mapping)
        {
            throw new ConfigException(sourceName,
                $"expected a mapping of sections ({string.Join(", ", ConfigSchema.Sections)}), found {ConfigValues.Describe(root)}");
        }

        foreach ((string sectionName, ConfigNode sectionNode) in root.Entries)
        {
            string section = ResolveSection(sectionName);
            // "server:" with nothing under it is an empty section, not an error.
            if (sectionNode.Kind == ConfigNodeKind.Null) continue;
            if (sectionNode.Kind != ConfigNodeKind.Mapping)
            {
                throw new ConfigException(section,
                    $"expected a mapping of {section} keys ({KnownKeysOf(section)}), found {ConfigValues.Describe(sectionNode)}");
            }
            foreach ((string keyName, ConfigNode valueNode) in sectionNode.Entries)
            {
                values[ResolveKey(section, keyName).Path] = valueNode;
            }
        }
    }

    /// <summary>The key a <c>--set</c> path names, or a <see cref="ConfigException"/> saying why there is none.</summary>
    public static ConfigKey ResolvePath(string path)
    {
        int dot = path.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            string section = ResolveSection(path);
            throw new ConfigException(section, $"expected section.key=value, found only the section name (keys under {section}: {KnownKeysOf(section)})");
        }
        string sectionName = path[..dot];
        if (!ConfigSchema.Sections.Contains(sectionName))
        {
            throw new ConfigException(path, $"unknown section {ConfigValues.Quote(sectionName)} (known sections: {string.Join(", ", ConfigSchema.Sections)}){Suggest(sectionName, ConfigSchema.Sections)}");
        }
        return ResolveKey(sectionName, path[(dot + 1)..]);
    }

    /// <summary>Builds the config from collected values, then checks every rule. Values not given keep their defaults.</summary>
    public static FluteConfig Bind(IReadOnlyDictionary<string, ConfigNode> values)
    {
        var config = new FluteConfig();
        // Schema order, so that a key whose expectation names another key (clients_per_round ≤ num_clients)
        // is read after that key.
        foreach (ConfigKey key in ConfigSchema.Keys)
        {
            if (values.TryGetValue(key.Path, out ConfigNode? node))
            {
                key.Assign(config, node);
            }
            else if (key.Required)
            {
                throw new ConfigException(key.Path, $"expected {key.Expected(config)}, found no value (the key is required)");
            }
        }
        ConfigSchema.ApplyDependentDefaults(config, values.ContainsKey);
        Validate(config);
        return config;
    }

    /// <summary>Throws for the first key, in schema order, whose rule <paramref name="config"/> breaks.</summary>
    public static void Validate(FluteConfig config)
    {
        foreach (ConfigKey key in ConfigSchema.Keys)
        {
            if (!key.IsValid(config))
            {
                throw new ConfigException(key.Path, $"expected {key.Expected(config)}, found {key.FormatValue(config)}");
            }
        }
    }

    private static string ResolveSection(string name)
    {
        if (ConfigSchema.Sections.Contains(name)) return name;

        // A common slip is writing a nested key flat ("server.lr: 1" at the top level).
        if (ConfigSchema.Find(name) is { } flat)
        {
            throw new ConfigException(name, $"unknown section; write it nested: \"{flat.Section}:\" with \"{flat.Name}:\" indented under it");
        }
        throw new ConfigException(name, $"unknown section (known sections: {string.Join(", ", ConfigSchema.Sections)}){Suggest(name, ConfigSchema.Sections)}");
    }

    private static ConfigKey ResolveKey(string section, string name)
    {
        string path = $"{section}.{name}";
        if (ConfigSchema.Find(path) is { } key) return key;

        string hint = ConfigSchema.Keys.FirstOrDefault(k => k.Name == name) is { } elsewhere
            ? $"; did you mean {elsewhere.Path}?"
            : Suggest(name, ConfigSchema.KeysOf(section).Select(k => k.Name), $"{section}.");
        throw new ConfigException(path, $"unknown key (known keys under {section}: {KnownKeysOf(section)}){hint}");
    }

    private static string KnownKeysOf(string section) => string.Join(", ", ConfigSchema.KeysOf(section).Select(k => k.Name));

    private static string Suggest(string name, IEnumerable<string> candidates, string prefix = "")
    {
        // Within two edits, and not so far that a short name matches everything.
        int limit = Math.Min(2, Math.Max(1, name.Length / 3));
        string? best = candidates
            .Select(c => (Name: c, Distance: ConfigValues.EditDistance(name, c)))
            .Where(c => c.Distance <= limit)
            .OrderBy(c => c.Distance)
            .Select(c => c.Name)
            .FirstOrDefault();
        return best is null ? "" : $"; did you mean {prefix}{best}?";
    }
}
