using Flute.Core.Registry;
using TorchSharp;
using static TorchSharp.torch;

namespace Flute.Grains.Torch;

/// <summary>
/// Optimizers of local training by name (client.optimizer). Attached to Flute.Core's
/// <see cref="Components"/> like <see cref="ModelRegistry"/>, so a registered name is valid in configs,
/// help and errors. Factories run on trainer threads.
/// </summary>
public static class ClientOptimizerRegistry
{
    /// <summary>The registry itself.</summary>
    public static ComponentRegistry<ClientOptimizerContext, optim.Optimizer> Registry { get; } = CreateBuiltIns();

    static ClientOptimizerRegistry() => Components.Attach(Registry);

    /// <summary>Registered names, in registration order.</summary>
    public static IReadOnlyList<string> Names => Registry.Names;

    private static ComponentRegistry<ClientOptimizerContext, optim.Optimizer> CreateBuiltIns()
    {
        var registry = new ComponentRegistry<ClientOptimizerContext, optim.Optimizer>(Components.ClientOptimizerKind, "client.optimizer");
        registry.Register("sgd", "Stochastic gradient descent with client.lr.", context => optim.SGD(context.Parameters, context.Client.Lr));
        registry.Register("adam", "Adam (Kingma & Ba 2015, arXiv 1412.6980) with client.lr.", context => optim.Adam(context.Parameters, context.Client.Lr));
        return registry;
    }
}
