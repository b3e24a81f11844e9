using Flute.Core.Configuration;
using Flute.Core.Registry;

namespace Flute.Core.Strategies;

/// <summary>The strategy calls of before the registries were unified; they forward to <see cref="Components.Strategies"/>.</summary>
public static class StrategyRegistry
{
    /// <summary>The registered strategy names, in registration order.</summary>
    public static IReadOnlyList<string> Names => Components.Strategies.Names;

    /// <summary>Whether a strategy of this name is registered (case-insensitive).</summary>
    public static bool Contains(string name) => Components.Strategies.Contains(name);

    /// <summary>Creates the named strategy from a config of defaults.</summary>
    /// <exception cref="ArgumentException">No strategy of that name is registered.</exception>
    public static IStrategy Create(string name) => Components.Strategies.Create(name, new FluteConfig());

    /// <summary>Creates the strategy the config names (server.strategy), with its options from the config.</summary>
    /// <exception cref="ArgumentException">No strategy of that name is registered.</exception>
    public static IStrategy Create(FluteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Components.Strategies.Create(config.Server.Strategy, config);
    }
}
