namespace Flute.Core.Data;

/// <summary>
/// A data set Flute can load by name (data.dataset): where its files come from and how they are
/// parsed. Implementations are registered in <see cref="DatasetRegistry"/>; see
/// docs/extending/02-dataset.md.
/// </summary>
public interface IDatasetSource
{
    /// <summary>The name used in data.dataset.</summary>
    string Name { get; }

    /// <summary>
    /// Loads the train and test splits. <paramref name="dataDir"/> null or empty means the data
    /// cache (fetched on first use, with one line on <paramref name="log"/>).
    /// </summary>
    DatasetSplits Load(string? dataDir, FeatureScale scale, TextWriter log);
}

/// <summary>A data set's train and test splits, and the seconds spent fetching files (0 if none were fetched).</summary>
public sealed record DatasetSplits(Dataset Train, Dataset Test, double FetchSeconds);
