using System.Runtime.CompilerServices;

namespace Flute.Grains.Tests;

/// <summary>Attaches Flute.Grains' registries before any test validates a config, as the CLI and the silo do at start.</summary>
internal static class GrainsComponents
{
    [ModuleInitializer]
    internal static void Register() => FluteComponents.EnsureRegistered();
}
