namespace Flute.Core.Plugins;

/// <summary>
/// The entry point of a plug-in assembly: a researcher's own models, data sets, partitions, strategies
/// or codecs, without forking Flute. Flute creates every public, non-abstract class implementing this
/// interface in an assembly named by <c>experiment.plugins</c> (parameterless constructor) and calls
/// <see cref="Register"/> once per process, before the rest of the config is read — so the names it
/// registers are valid in that very config. Every silo of a cluster does the same when it reads the
/// experiment's config. docs/extending/09-plugin.md shows a whole plug-in.
/// </summary>
public interface IFlutePlugin
{
    /// <summary>
    /// Registers the plug-in's components in Flute's registries (for example
    /// <c>Flute.Grains.Torch.ModelRegistry.Register</c> or <c>Flute.Core.Registry.Components.Datasets.Register</c>).
    /// Called once per process; a name that is already registered makes the load fail with that message.
    /// </summary>
    void Register();
}
