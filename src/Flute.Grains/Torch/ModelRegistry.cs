using System.Collections.Concurrent;
using Flute.Grains.Torch.Models;
using static TorchSharp.torch;

namespace Flute.Grains.Torch;

/// <summary>
/// Models by name. The built-in names match <c>KnownNames.Models</c> in Flute.Core's configuration;
/// docs/extending/01-model.md explains how to add one. Factories run only on trainer threads
/// (<see cref="TrainerPool"/>), never on the caller's thread.
/// </summary>
public static class ModelRegistry
{
    private static readonly ConcurrentDictionary<string, Func<ModelSpec, nn.Module<Tensor, Tensor>>> Factories =
        new(StringComparer.Ordinal)
        {
            ["logreg"] = spec => new LogisticRegression(spec),
            ["mlp"] = spec => new Mlp(spec),
            ["cnn"] = TwoLayerCnn.Femnist,
            ["cnn-small"] = TwoLayerCnn.Small,
        };

    /// <summary>Registered names, sorted (ordinal).</summary>
    public static IReadOnlyCollection<string> Names
    {
        get
        {
            var names = Factories.Keys.ToArray();
            Array.Sort(names, StringComparer.Ordinal);
            return names;
        }
    }

    public static bool Contains(string name) => Factories.ContainsKey(name);

    /// <summary>
    /// Adds a model, e.g. from a researcher's own assembly. The factory must build the same parameters in the
    /// same order every time and draw nothing random that matters (weights are always overwritten).
    /// </summary>
    public static void Register(string name, Func<ModelSpec, nn.Module<Tensor, Tensor>> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (!Factories.TryAdd(name, factory)) throw new ArgumentException($"model '{name}' is already registered", nameof(name));
    }

    internal static nn.Module<Tensor, Tensor> Create(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!Factories.TryGetValue(spec.Name, out var factory))
            throw new ArgumentException($"unknown model '{spec.Name}'; known: {string.Join(", ", Names)}");
        if (spec.ClassCount < 2) throw new ArgumentException($"model '{spec.Name}' needs at least 2 classes; got {spec.ClassCount}");
        if (spec.InputShape.Length == 0 || Array.Exists(spec.InputShape, d => d < 1))
            throw new ArgumentException($"model '{spec.Name}' needs an input shape of positive dimensions");
        return factory(spec);
    }
}
