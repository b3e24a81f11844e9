using System.Collections.Concurrent;
using Flute.Core.Configuration;

namespace Flute.Core.Strategies;

/// <summary>Aggregation strategies by name (server.strategy in the config), case-insensitive.</summary>
public static class StrategyRegistry
{
    private static readonly ConcurrentDictionary<string, Func<FluteConfig, IStrategy>> Factories =
        new(StringComparer.OrdinalIgnoreCase)
        {
            [FedAvg.StrategyName] = _ => new FedAvg(),
            [FedProx.StrategyName] = c => new FedProx(new FedProxOptions(c.Server.ProximalMu)),
        };

    /// <summary>The registered strategy names.</summary>
    public static IReadOnlyCollection<string> Names => Factories.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Registers a strategy factory that reads its options from the config (for plug-ins; built-in strategies are listed above).</summary>
    /// <exception cref="InvalidOperationException">The name is already registered.</exception>
    public static void Register(string name, Func<FluteConfig, IStrategy> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (!Factories.TryAdd(name, factory))
        {
            throw new InvalidOperationException($"A strategy named '{name}' is already registered.");
        }
    }

    /// <summary>Registers a strategy without options.</summary>
    /// <exception cref="InvalidOperationException">The name is already registered.</exception>
    public static void Register(string name, Func<IStrategy> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Register(name, _ => factory());
    }

    /// <summary>Whether a strategy of this name is registered.</summary>
    public static bool Contains(string name) => Factories.ContainsKey(name);

    /// <summary>Creates the strategy the config names (server.strategy), with its options from the config.</summary>
    /// <exception cref="ArgumentException">No strategy of that name is registered.</exception>
    public static IStrategy Create(FluteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Create(config.Server.Strategy, config);
    }

    /// <summary>Creates a new instance of the named strategy with default options.</summary>
    /// <exception cref="ArgumentException">No strategy of that name is registered.</exception>
    public static IStrategy Create(string name) => Create(name, new FluteConfig());

    private static IStrategy Create(string name, FluteConfig config)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Factories.TryGetValue(name, out Func<FluteConfig, IStrategy>? factory)
            ? factory(config)
            : throw new ArgumentException($"Unknown strategy '{name}'. Registered strategies: {string.Join(", ", Names)}.", nameof(name));
    }
}
