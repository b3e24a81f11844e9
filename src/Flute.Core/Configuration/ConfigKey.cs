using System.Text.Json;

namespace Flute.Core.Configuration;

/// <summary>
/// One row of the configuration schema: a key path such as <c>server.clients_per_round</c>, its
/// type, meaning, default and rule. <see cref="ConfigSchema.Keys"/> lists them all; parsing,
/// validation, JSON and the documentation test are all driven by these rows.
/// </summary>
public sealed class ConfigKey
{
    private readonly Func<FluteConfig, object> _get;
    private readonly Action<FluteConfig, object> _set;
    private readonly Func<ConfigNode, object?> _parse;
    private readonly Func<FluteConfig, string> _expected;
    private readonly Func<FluteConfig, bool> _isValid;
    private readonly string _allowed;
    private readonly Func<IReadOnlyList<string>>? _allowedNames;

    internal ConfigKey(
        string path,
        ConfigValueType type,
        string description,
        string allowed,
        Func<IReadOnlyList<string>>? allowedNames,
        bool required,
        Func<FluteConfig, object> get,
        Action<FluteConfig, object> set,
        Func<ConfigNode, object?> parse,
        Func<FluteConfig, string> expected,
        Func<FluteConfig, bool> isValid)
    {
        int dot = path.IndexOf('.', StringComparison.Ordinal);
        Path = path;
        Section = path[..dot];
        Name = path[(dot + 1)..];
        Type = type;
        Description = description;
        _allowed = allowed;
        _allowedNames = allowedNames;
        Required = required;
        _get = get;
        _set = set;
        _parse = parse;
        _expected = expected;
        _isValid = isValid;
        Default = FormatDefault(get(new FluteConfig()));
    }

    /// <summary>Full key path, e.g. <c>client.lr</c>.</summary>
    public string Path { get; }

    /// <summary>Section part of the path, e.g. <c>client</c>.</summary>
    public string Section { get; }

    /// <summary>Key part of the path, e.g. <c>lr</c>.</summary>
    public string Name { get; }

    /// <summary>The kind of value the key takes.</summary>
    public ConfigValueType Type { get; }

    /// <summary>What the key means, as written in docs/configuration.md.</summary>
    public string Description { get; }

    /// <summary>The allowed values in words, e.g. <c>≥ 1</c> or <c>logreg, mlp, cnn, cnn-small</c>.</summary>
    public string Allowed => _allowedNames is null ? _allowed : string.Join(", ", _allowedNames());

    /// <summary>
    /// The accepted names, for <see cref="ConfigValueType.Name"/> keys; otherwise null. Read on every
    /// call, because a component key accepts whatever its registry holds at that moment.
    /// </summary>
    public IReadOnlyList<string>? AllowedNames => _allowedNames?.Invoke();

    /// <summary>True when the key must be given (in the file or by an override).</summary>
    public bool Required { get; }

    /// <summary>The default (the property initializer of <see cref="FluteConfig"/>) as text; <c>""</c> for empty text.</summary>
    public string Default { get; }

    /// <summary>The type as named in the documentation.</summary>
    public string TypeName => Type switch
    {
        ConfigValueType.Integer => "integer",
        ConfigValueType.UnsignedInteger => "unsigned 64-bit integer",
        ConfigValueType.Number => "number",
        ConfigValueType.Name => "name",
        _ => "text",
    };

    /// <summary>The key's current value in <paramref name="config"/> (int, ulong, double or string).</summary>
    public object GetValue(FluteConfig config) => _get(config);

    /// <summary>The key's current value in <paramref name="config"/> as it reads in messages: numbers bare, text quoted.</summary>
    public string FormatValue(FluteConfig config) => ConfigValues.Format(_get(config));

    /// <summary>What the key expects, given the rest of <paramref name="config"/> (some limits depend on other keys).</summary>
    public string Expected(FluteConfig config) => _expected(config);

    /// <summary>True when the key's value in <paramref name="config"/> satisfies its rule, including cross-key rules.</summary>
    public bool IsValid(FluteConfig config) => _isValid(config);

    /// <summary>Reads <paramref name="node"/> as this key's type and stores it; range rules are checked later, on the whole config.</summary>
    internal void Assign(FluteConfig config, ConfigNode node)
    {
        object value = _parse(node)
            ?? throw new ConfigException(Path, $"expected {_expected(config)}, found {ConfigValues.Describe(node)}");
        _set(config, value);
    }

    internal void WriteJson(Utf8JsonWriter writer, FluteConfig config)
    {
        switch (_get(config))
        {
            case int i: writer.WriteNumber(Name, i); break;
            case ulong u: writer.WriteNumber(Name, u); break;
            case double d: writer.WriteNumber(Name, d); break;
            case var other: writer.WriteString(Name, (string)other); break;
        }
    }

    private static string FormatDefault(object value) => value switch
    {
        "" => "\"\"",
        string s => s,
        _ => ConfigValues.Format(value),
    };
}
