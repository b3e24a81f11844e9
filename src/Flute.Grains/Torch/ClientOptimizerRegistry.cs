using Flute.Core.Registry;
using Flute.Grains.Torch.Optimizers;

namespace Flute.Grains.Torch;

/// <summary>
/// Optimizers of local training by name (client.optimizer). Attached to Flute.Core's
/// <see cref="Components"/> like <see cref="ModelRegistry"/>, so a registered name is valid in configs,
/// help and errors. Factories run on trainer threads.
/// </summary>
public static class ClientOptimizerRegistry
{
    /// <summary>The registry itself.</summary>
    public static ComponentRegistry<ClientOptimizerContext, IClientOptimizer> Registry { get; } = CreateBuiltIns();

    static ClientOptimizerRegistry() => Components.Attach(Registry);

    /// <summary>Registered names, in registration order.</summary>
    public static IReadOnlyList<string> Names => Registry.Names;

    /// <summary>Builds the optimizer the settings name over <paramref name="context"/>'s parameters.</summary>
    public static IClientOptimizer Create(ClientOptimizerContext context) => Registry.Create(context.Settings.Name, context);

    private static ComponentRegistry<ClientOptimizerContext, IClientOptimizer> CreateBuiltIns()
    {
        var registry = new ComponentRegistry<ClientOptimizerContext, IClientOptimizer>(Components.ClientOptimizerKind, "client.optimizer");
        registry.Register(SgdClientOptimizer.OptimizerName, "SGD with client.lr, client.momentum and client.weight_decay (PyTorch's SGD, no dampening or Nesterov).",
            c => new SgdClientOptimizer(c.Settings, c.Parameters));
        registry.Register(AdamClientOptimizer.OptimizerName, "Adam (Kingma & Ba 2015, arXiv:1412.6980) with client.lr, client.adam_beta1/2, client.adam_eps and L2 client.weight_decay.",
            c => new AdamClientOptimizer(c.Settings, c.Parameters));
        return registry;
    }
}
