using System.Collections.Concurrent;

namespace Flute.Core.Strategies;

/// <summary>Aggregation strategies by name (server.strategy in the config), case-insensitive.</summary>
public static class StrategyRegistry
{
    private static readonly ConcurrentDictionary<string, Func<IStrategy>> Factories =
        new(StringComparer.OrdinalIgnoreCase)
        {
            [FedAvg.StrategyName] = () => new FedAvg(),
        };

    /// <summary>The registered strategy names.</summary>
    public static IReadOnlyCollection<string> Names => Factories.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Registers a strategy factory (for plug-ins; built-in strategies are listed above).</summary>
    /// <exception cref="InvalidOperationException">The name is already registered.</exception>
    public static void Register(string name, Func<IStrategy> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (!Factories.TryAdd(name, factory))
        {
            throw new InvalidOperationException($"A strategy named '{name}' is already registered.");
        }
    }

    /// <summary>Whether a strategy of this name is registered.</summary>
    public static bool Contains(string name) => Factories.ContainsKey(name);

    /// <summary>Creates a new instance of the named strategy.</summary>
    /// <exception cref="ArgumentException">No strategy of that name is registered.</exception>
    public static IStrategy Create(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Factories.TryGetValue(name, out Func<IStrategy>? factory)
            ? factory()
            : throw new ArgumentException($"Unknown strategy '{name}'. Registered strategies: {string.Join(", ", Names)}.", nameof(name));
    }
}
