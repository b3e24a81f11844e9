using System.Collections.Concurrent;

namespace Flute.Core.Registry;

/// <summary>
/// Components of one kind by name (case-insensitive): each registered with a one-line description and
/// a factory that builds it from <typeparamref name="TContext"/> — what the component needs from the
/// config (the whole <c>FluteConfig</c>, a section, or typed options). Hyper-parameters reach the
/// component through its constructor.
/// </summary>
/// <typeparam name="TContext">What a factory is given.</typeparam>
/// <typeparam name="TComponent">What a factory builds.</typeparam>
public sealed class ComponentRegistry<TContext, TComponent> : ComponentRegistry
{
    private readonly ConcurrentDictionary<string, Func<TContext, TComponent>> _factories = new(StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc cref="ComponentRegistry(string, string?)"/>
    public ComponentRegistry(string kind, string? configKey = null)
        : base(kind, configKey)
    {
    }

    /// <summary>Registers a component; from now on configs, help and errors know its name.</summary>
    /// <exception cref="InvalidOperationException">The name is already registered.</exception>
    public void Register(string name, string description, Func<TContext, TComponent> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Add(name, description, () => _factories[name] = factory);
    }

    /// <summary>Builds the named component from <paramref name="context"/>.</summary>
    /// <exception cref="ArgumentException">No component of that name is registered (the message lists the registered names).</exception>
    public TComponent Create(string name, TContext context)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _factories.TryGetValue(name, out Func<TContext, TComponent>? factory)
            ? factory(context)
            : throw new ArgumentException(UnknownMessage(name), nameof(name));
    }

    /// <inheritdoc/>
    protected override void RemoveFactory(string name) => _factories.TryRemove(name, out _);
}
