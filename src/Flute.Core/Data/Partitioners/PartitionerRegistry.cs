namespace Flute.Core.Data.Partitioners;

/// <summary>The partitioners known by name (data.partition). Add a new one here (docs/extending/02-dataset.md).</summary>
public static class PartitionerRegistry
{
    private static readonly IPartitioner[] Partitioners =
        [new IidPartitioner(), new DirichletPartitioner(), new ShardsPartitioner(), new PowerLawPartitioner()];

    public static IReadOnlyList<string> Names { get; } = Partitioners.Select(p => p.Name).ToArray();

    /// <summary>The partitioner registered under <paramref name="name"/> (case-insensitive); throws naming the known ones otherwise.</summary>
    public static IPartitioner Get(string name) =>
        Partitioners.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown partition '{name}' (data.partition); known: {string.Join(", ", Names)}");
}
