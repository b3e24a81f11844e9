using Flute.Core.Configuration;
using Flute.Core.Data.Mnist;

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
    /// For a source that <see cref="FetchesFiles"/>: the folder of its files — <paramref name="dataDir"/>
    /// checked when given (never fetched into), else located or fetched on first use — and the seconds
    /// spent fetching. The run passes that folder to every silo as the data directory.
    /// </summary>
    MnistFiles LocateFiles(string? dataDir, TextWriter log) => new(".", 0);
}

/// <summary>The shape of one sample (e.g. [1, 28, 28]) and the number of classes of a data set.</summary>
public sealed record DatasetShape(int[] SampleShape, int ClassCount);

/// <summary>A data set's train and test splits, and the seconds spent fetching files (0 if none were fetched).</summary>
public sealed record DatasetSplits(Dataset Train, Dataset Test, double FetchSeconds);
