namespace Flute.Core.Configuration;

internal enum ConfigNodeKind
{
    Null,
    Scalar,
    Mapping,
    Sequence,
}

/// <summary>
/// A parsed value before it is bound to a key: the common shape of YAML nodes, --set values and
/// JSON elements, so all three go through the same checks.
/// </summary>
internal sealed class ConfigNode
{
    private ConfigNode(ConfigNodeKind kind, string text, bool quoted, IReadOnlyList<KeyValuePair<string, ConfigNode>> entries)
    {
        Kind = kind;
        Text = text;
        Quoted = quoted;
        Entries = entries;
    }

    public static ConfigNode Null { get; } = new(ConfigNodeKind.Null, "", false, []);

    public static ConfigNode Sequence { get; } = new(ConfigNodeKind.Sequence, "", false, []);

    public ConfigNodeKind Kind { get; }

    /// <summary>The scalar's text as written (without quotes).</summary>
    public string Text { get; }

    /// <summary>True when the scalar was written as a string (quoted), so it is never read as a number.</summary>
    public bool Quoted { get; }

    /// <summary>A mapping's entries in document order.</summary>
    public IReadOnlyList<KeyValuePair<string, ConfigNode>> Entries { get; }

    public static ConfigNode Scalar(string text, bool quoted) => new(ConfigNodeKind.Scalar, text, quoted, []);

    public static ConfigNode Mapping(IReadOnlyList<KeyValuePair<string, ConfigNode>> entries) =>
        new(ConfigNodeKind.Mapping, "", false, entries);
}
