using Flute.Core.Registry;
using Flute.Grains.Torch;

namespace Flute.Grains;

/// <summary>
/// Makes every built-in component known: Flute.Core's kinds register themselves, and this attaches the
/// TorchSharp-side kinds (models, client optimizers) to <see cref="Components"/>. The CLI and the silo
/// call it before they validate a config; plug-ins register after it.
/// </summary>
public static class FluteComponents
{
    /// <summary>Attaches the model and client-optimizer registries (idempotent, thread-safe).</summary>
    public static void EnsureRegistered()
    {
        Components.Attach(ModelRegistry.Registry);
        Components.Attach(ClientOptimizerRegistry.Registry);
    }
}
