using Flute.Core.Data.Mnist;

namespace Flute.Core.Data;

/// <summary>The data sets known by name (data.dataset). Add a new one here (docs/extending/02-dataset.md).</summary>
public static class DatasetRegistry
{
    private static readonly IDatasetSource[] Sources = [new MnistSource()];

    public static IReadOnlyList<string> Names { get; } = Sources.Select(s => s.Name).ToArray();

    /// <summary>The source registered under <paramref name="name"/> (case-insensitive); throws naming the known ones otherwise.</summary>
    public static IDatasetSource Get(string name) =>
        Sources.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown data set '{name}' (data.dataset); known: {string.Join(", ", Names)}");
}
