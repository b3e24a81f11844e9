using System.Collections.Concurrent;

namespace Flute.Core.ServerOptimizers;

/// <summary>Server optimizers by name (server.optimizer in the config), case-insensitive.</summary>
public static class ServerOptimizerRegistry
{
    private static readonly ConcurrentDictionary<string, Func<ServerOptimizerOptions, IServerOptimizer>> Factories =
        new(StringComparer.OrdinalIgnoreCase)
        {
            [SgdServerOptimizer.OptimizerName] = options => new SgdServerOptimizer(options.LearningRate, options.Momentum),
        };

    /// <summary>The registered optimizer names.</summary>
    public static IReadOnlyCollection<string> Names => Factories.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Registers an optimizer factory (for plug-ins; built-in optimizers are listed above).</summary>
    /// <exception cref="InvalidOperationException">The name is already registered.</exception>
    public static void Register(string name, Func<ServerOptimizerOptions, IServerOptimizer> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (!Factories.TryAdd(name, factory))
        {
            throw new InvalidOperationException($"A server optimizer named '{name}' is already registered.");
        }
    }

    /// <summary>Whether an optimizer of this name is registered.</summary>
    public static bool Contains(string name) => Factories.ContainsKey(name);

    /// <summary>Creates the named optimizer with a learning rate and momentum.</summary>
    /// <exception cref="ArgumentException">No optimizer of that name is registered.</exception>
    public static IServerOptimizer Create(string name, double learningRate, double momentum) =>
        Create(name, new ServerOptimizerOptions(learningRate, momentum));

    /// <summary>Creates the named optimizer from its options.</summary>
    /// <exception cref="ArgumentException">No optimizer of that name is registered.</exception>
    public static IServerOptimizer Create(string name, ServerOptimizerOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        return Factories.TryGetValue(name, out Func<ServerOptimizerOptions, IServerOptimizer>? factory)
            ? factory(options)
            : throw new ArgumentException($"Unknown server optimizer '{name}'. Registered optimizers: {string.Join(", ", Names)}.", nameof(name));
    }
}
