using Flute.Core.Configuration;
using Flute.Core.Registry;

namespace Flute.Core.ServerOptimizers;

/// <summary>Creates server optimizers through <see cref="Components.ServerOptimizers"/>.</summary>
public static class ServerOptimizerRegistry
{
    /// <summary>The registered optimizer names, in registration order.</summary>
    public static IReadOnlyList<string> Names => Components.ServerOptimizers.Names;

    /// <summary>Whether an optimizer of this name is registered (case-insensitive).</summary>
    public static bool Contains(string name) => Components.ServerOptimizers.Contains(name);

    /// <summary>
    /// The optimizer a configuration asks for (server.optimizer) with every server.* hyper-parameter
    /// (<see cref="ServerOptimizerOptions.From"/>): the one place the experiment grain and the bench build it.
    /// </summary>
    /// <exception cref="ArgumentException">No optimizer of that name is registered.</exception>
    public static IServerOptimizer Create(FluteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Create(config.Server.Optimizer, ServerOptimizerOptions.From(config));
    }

    /// <summary>Creates the named optimizer from its options.</summary>
    /// <exception cref="ArgumentException">No optimizer of that name is registered.</exception>
    public static IServerOptimizer Create(string name, ServerOptimizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Components.ServerOptimizers.Create(name, options);
    }
}
