using Flute.Core.Configuration;
using Flute.Core.Registry;

namespace Flute.Core.Data.Partitioners;

/// <summary>The partitioner calls of before the registries were unified; they forward to <see cref="Components.Partitions"/>.</summary>
public static class PartitionerRegistry
{
    /// <summary>The registered partition names, in registration order.</summary>
    public static IReadOnlyList<string> Names => Components.Partitions.Names;

    /// <summary>The partitioner registered under <paramref name="name"/> (case-insensitive); throws naming the registered ones otherwise.</summary>
    public static IPartitioner Get(string name) => Components.Partitions.Create(name, new DataSection());
}
