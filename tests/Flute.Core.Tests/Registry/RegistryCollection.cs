namespace Flute.Core.Tests.Registry;

/// <summary>
/// Tests that register a component for a moment, and tests that read the exact registered lists, run
/// one after another in this collection, so no test sees another's temporary name.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RegistryCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Registries";
}
