using TorchSharp;
using TorchSharp.Modules;

namespace Flute.Grains.Torch.Optimizers;

/// <summary>
/// The client optimizers by name (client.optimizer). Its names must equal
/// <see cref="Flute.Core.Configuration.KnownNames.ClientOptimizers"/> (a test checks it).
/// </summary>
internal static class ClientOptimizers
{
    private static readonly Dictionary<string, Func<ClientOptimizerSettings, IReadOnlyList<Parameter>, IClientOptimizer>> Factories =
        new(StringComparer.Ordinal)
        {
            [SgdClientOptimizer.OptimizerName] = (settings, parameters) => new SgdClientOptimizer(settings, parameters),
            [AdamClientOptimizer.OptimizerName] = (settings, parameters) => new AdamClientOptimizer(settings, parameters),
        };

    /// <summary>The registered names, in registration order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Factories.Keys];

    /// <summary>Builds the optimizer <paramref name="settings"/> names over <paramref name="parameters"/>.</summary>
    public static IClientOptimizer Create(ClientOptimizerSettings settings, IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Factories.TryGetValue(settings.Name, out var factory)
            ? factory(settings, parameters)
            : throw new ArgumentException($"unknown client optimizer '{settings.Name}'; known: {string.Join(", ", Names)}", nameof(settings));
    }
}
