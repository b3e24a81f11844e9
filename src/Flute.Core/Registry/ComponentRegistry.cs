namespace Flute.Core.Registry;

/// <summary>
/// The names of one kind of component (strategy, model, codec, ...), in registration order, with a
/// description each. This is what the config schema, <c>flute help</c> and error messages read, so
/// registering a component is the only step that makes its name valid. Components are built through
/// the typed <see cref="ComponentRegistry{TContext, TComponent}"/>.
/// </summary>
public abstract class ComponentRegistry
{
    private readonly Lock _gate = new();
    private ComponentInfo[] _entries = [];

    /// <summary>Creates an empty registry.</summary>
    /// <param name="kind">The kind in words, as errors name it (e.g. <c>strategy</c>, <c>server optimizer</c>).</param>
    /// <param name="configKey">The config key that names one of these components, or null if none does.</param>
    protected ComponentRegistry(string kind, string? configKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        Kind = kind;
        ConfigKey = configKey;
    }

    /// <summary>The kind in words, e.g. <c>strategy</c>.</summary>
    public string Kind { get; }

    /// <summary>The config key whose value is one of these names (e.g. <c>server.strategy</c>), or null.</summary>
    public string? ConfigKey { get; }

    /// <summary>The registered components in registration order (a snapshot).</summary>
    public IReadOnlyList<ComponentInfo> Components => Volatile.Read(ref _entries);

    /// <summary>The registered names in registration order (a snapshot).</summary>
    public IReadOnlyList<string> Names => Array.ConvertAll(Volatile.Read(ref _entries), e => e.Name);

    /// <summary>Whether a component of this name is registered (case-insensitive).</summary>
    public bool Contains(string? name) => name is not null && IndexOf(Volatile.Read(ref _entries), name) >= 0;

    /// <summary>Removes a registration, for tests and unloaded plug-ins; true if the name was registered.</summary>
    public bool Unregister(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            int index = IndexOf(_entries, name);
            if (index < 0) return false;
            _entries = [.. _entries[..index], .. _entries[(index + 1)..]];
            RemoveFactory(name);
            return true;
        }
    }

    /// <summary>The one-line error for a name nobody registered: <c>unknown strategy 'x'; registered: a, b</c>.</summary>
    public string UnknownMessage(string? name) => $"unknown {Kind} '{name}'; registered: {string.Join(", ", Names)}";

    /// <summary>Adds the name and description; the derived class stores the factory under the same lock.</summary>
    /// <exception cref="InvalidOperationException">The name is already registered (names differing only in case collide).</exception>
    protected void Add(string name, string description, Action storeFactory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        if (name.Trim() != name || name.Contains(',', StringComparison.Ordinal))
            throw new ArgumentException($"{Kind} name '{name}' must not contain commas or surrounding spaces", nameof(name));
        lock (_gate)
        {
            if (IndexOf(_entries, name) >= 0) throw new InvalidOperationException($"a {Kind} named '{name}' is already registered");
            storeFactory();
            _entries = [.. _entries, new ComponentInfo(name, description)];
        }
    }

    /// <summary>Drops the factory of a name being unregistered (called under the registry's lock).</summary>
    protected abstract void RemoveFactory(string name);

    private static int IndexOf(ComponentInfo[] entries, string name) =>
        Array.FindIndex(entries, e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));
}
