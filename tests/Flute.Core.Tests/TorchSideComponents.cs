using System.Runtime.CompilerServices;
using Flute.Core.Registry;

namespace Flute.Core.Tests;

/// <summary>
/// Models and client optimizers are registered by Flute.Grains (TorchSharp), which these tests do not
/// load; configs are validated against registered names only, so stand-ins under the built-in names are
/// attached here. Their factories are never called: nothing here builds a model.
/// </summary>
internal static class TorchSideComponents
{
    [ModuleInitializer]
    internal static void Attach()
    {
        var models = new ComponentRegistry<object, object>(Components.ModelKind, "model.name");
        foreach (string name in new[] { "logreg", "mlp", "cnn", "cnn-small", "lstm", "gru" })
            models.Register(name, "stand-in for Flute.Grains' model", _ => throw new NotSupportedException("models are built by Flute.Grains"));
        Components.Attach(models);

        var optimizers = new ComponentRegistry<object, object>(Components.ClientOptimizerKind, "client.optimizer");
        foreach (string name in new[] { "sgd", "adam" })
            optimizers.Register(name, "stand-in for Flute.Grains' client optimizer", _ => throw new NotSupportedException("client optimizers are built by Flute.Grains"));
        Components.Attach(optimizers);
    }
}
