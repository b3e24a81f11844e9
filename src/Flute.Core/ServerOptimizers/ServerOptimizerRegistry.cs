using Flute.Core.Registry;

namespace Flute.Core.ServerOptimizers;

/// <summary>The server-optimizer calls of before the registries were unified; they forward to <see cref="Components.ServerOptimizers"/>.</summary>
public static class ServerOptimizerRegistry
{
    /// <summary>The registered optimizer names, in registration order.</summary>
    public static IReadOnlyList<string> Names => Components.ServerOptimizers.Names;

    /// <summary>Whether an optimizer of this name is registered (case-insensitive).</summary>
    public static bool Contains(string name) => Components.ServerOptimizers.Contains(name);

    /// <summary>Creates the named optimizer with a learning rate and momentum.</summary>
    /// <exception cref="ArgumentException">No optimizer of that name is registered.</exception>
    public static IServerOptimizer Create(string name, double learningRate, double momentum) =>
        Create(name, new ServerOptimizerOptions(learningRate, momentum));

    /// <summary>Creates the named optimizer from its options.</summary>
    /// <exception cref="ArgumentException">No optimizer of that name is registered.</exception>
    public static IServerOptimizer Create(string name, ServerOptimizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Components.ServerOptimizers.Create(name, options);
    }
}
