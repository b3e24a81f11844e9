using Flute.Core.Registry;
using Flute.Grains.Torch.Models;
using static TorchSharp.torch;

namespace Flute.Grains.Torch;

/// <summary>
/// Models by name (model.name). The registry is attached to Flute.Core's <see cref="Components"/>, so
/// registering a model here is what makes its name valid in configs, help and errors;
/// docs/extending/01-model.md explains how to add one. Factories run only on trainer threads
/// (<see cref="TrainerPool"/>), never on the caller's thread.
/// </summary>
public static class ModelRegistry
{
    /// <summary>The registry itself.</summary>
    public static ComponentRegistry<ModelSpec, nn.Module<Tensor, Tensor>> Registry { get; } = CreateBuiltIns();

    static ModelRegistry() => Components.Attach(Registry);

    /// <summary>Registered names, in registration order.</summary>
    public static IReadOnlyList<string> Names => Registry.Names;

    /// <summary>Whether a model of this name is registered (case-insensitive).</summary>
    public static bool Contains(string name) => Registry.Contains(name);

    /// <summary>
    /// Adds a model, e.g. from a researcher's own assembly. The factory must build the same parameters in the
    /// same order every time and draw nothing random that matters (weights are always overwritten).
    /// </summary>
    /// <exception cref="InvalidOperationException">The name is already registered.</exception>
    public static void Register(string name, string description, Func<ModelSpec, nn.Module<Tensor, Tensor>> factory) =>
        Registry.Register(name, description, factory);

    internal static nn.Module<Tensor, Tensor> Create(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!Registry.Contains(spec.Name)) throw new ArgumentException(Registry.UnknownMessage(spec.Name));
        if (spec.ClassCount < 2) throw new ArgumentException($"model '{spec.Name}' needs at least 2 classes; got {spec.ClassCount}");
        if (spec.InputShape.Length == 0 || Array.Exists(spec.InputShape, d => d < 1))
            throw new ArgumentException($"model '{spec.Name}' needs an input shape of positive dimensions");
        return Registry.Create(spec.Name, spec);
    }

    private static ComponentRegistry<ModelSpec, nn.Module<Tensor, Tensor>> CreateBuiltIns()
    {
        var registry = new ComponentRegistry<ModelSpec, nn.Module<Tensor, Tensor>>(Components.ModelKind, "model.name");
        registry.Register("logreg", "Multinomial logistic regression: one linear layer.", spec => new LogisticRegression(spec));
        registry.Register("mlp", "One hidden layer of model.hidden ReLU units.", spec => new Mlp(spec));
        registry.Register("cnn", "The LEAF/FLUTE FEMNIST CNN: two 5×5 convolutions (32, 64), dense 2048.", TwoLayerCnn.Femnist);
        registry.Register("cnn-small", "The same CNN, smaller for quick runs: convolutions (8, 16), dense 120.", TwoLayerCnn.Small);
        registry.Register("lstm", "LEAF's Shakespeare next-character model: embedding 8, two LSTM layers of model.hidden units (LEAF: 256), linear to the classes.", spec => new CharLstm(spec));
        registry.Register("gru", "FLUTE's NLG GRU style: embedding 64, one GRU layer of model.hidden units, squeeze to 64, output tied to the embedding.", spec => new CharGru(spec));
        return registry;
    }
}
