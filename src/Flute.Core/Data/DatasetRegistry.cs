using Flute.Core.Configuration;
using Flute.Core.Registry;

namespace Flute.Core.Data;

/// <summary>The data-set calls of before the registries were unified; they forward to <see cref="Components.Datasets"/>.</summary>
public static class DatasetRegistry
{
    /// <summary>The registered data-set names, in registration order.</summary>
    public static IReadOnlyList<string> Names => Components.Datasets.Names;

    /// <summary>The source registered under <paramref name="name"/> (case-insensitive); throws naming the registered ones otherwise.</summary>
    public static IDatasetSource Get(string name) => Components.Datasets.Create(name, new DataSection());
}
