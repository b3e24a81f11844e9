using Flute.Core.Configuration;

namespace Flute.Core.Data;

/// <summary>
/// A data set Flute can train on by name (data.dataset): its sample shape and how it becomes per-client
/// data. Implementations are registered in <see cref="Registry.Components.Datasets"/>; see
/// docs/extending/02-dataset.md.
/// </summary>
public interface IDatasetSource
{
    /// <summary>True when <see cref="Load"/> reads files fetched into the data cache; false when the data is generated or read from data.file.</summary>
    bool FetchesFiles { get; }

    /// <summary>The shape of one sample and the class count, without loading the data (models are built from it).</summary>
    DatasetShape Shape(DataSection data);

    /// <summary>
    /// Loads the data and splits it among the clients (usually through
    /// <see cref="FederatedDataFactory.LoadAndPartition"/>). <paramref name="dataDir"/> null means the data
    /// cache (fetched on first use, with one line on <paramref name="log"/>).
    /// </summary>
    FederatedDataLoad Load(DataSection data, string? dataDir, ulong seed, TextWriter log);

    /// <summary>
    /// The folder <see cref="Load"/> reads, found before an experiment starts so every silo is handed
    /// the same one: <paramref name="dataDir"/> checked (never fetched into) when given, else the data
    /// cache's folder, fetched on first use with one line on <paramref name="log"/>. A data set
    /// without files (<see cref="FetchesFiles"/> false) has nothing to find.
    /// </summary>
    DataLocation Locate(string? dataDir, TextWriter log) => new(".", 0);
}

/// <summary>Where a data set's files are, and the seconds spent fetching them (0 when they were already there).</summary>
public sealed record DataLocation(string Directory, double FetchSeconds);

/// <summary>The shape of one sample (e.g. [1, 28, 28]) and the number of classes of a data set.</summary>
public sealed record DatasetShape(int[] SampleShape, int ClassCount);

/// <summary>A data set's train and test splits, and the seconds spent fetching files (0 if none were fetched).</summary>
public sealed record DatasetSplits(Dataset Train, Dataset Test, double FetchSeconds);
