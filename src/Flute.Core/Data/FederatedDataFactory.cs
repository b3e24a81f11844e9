using System.Diagnostics;
using Flute.Core.Configuration;
using Flute.Core.Data.Partitioners;

namespace Flute.Core.Data;

/// <summary>
/// Builds the <see cref="FederatedData"/> an experiment trains on from the data section of its
/// config: loads the named data set (<see cref="DatasetRegistry"/>) and splits it with the named
/// partitioner (<see cref="PartitionerRegistry"/>).
/// </summary>
public static class FederatedDataFactory
{
    /// <summary>
    /// Loads and partitions. <paramref name="dataDir"/> (e.g. --data-dir) wins over data.dir; when
    /// both are empty the data cache is used and filled on first use, with one line on
    /// <paramref name="log"/> (default: standard error).
    /// </summary>
    public static FederatedData Load(DataSection data, string dataDir, ulong seed, TextWriter? log = null) =>
        LoadTimed(data, dataDir, seed, log).Data;

    /// <summary><see cref="Load"/>, also reporting the seconds spent fetching and in total.</summary>
    public static FederatedDataLoad LoadTimed(DataSection data, string dataDir, ulong seed, TextWriter? log = null)
    {
        var clock = Stopwatch.StartNew();
        IDatasetSource source = DatasetRegistry.Get(data.Dataset);
        IPartitioner partitioner = PartitionerRegistry.Get(data.Partition);
        string? directory = !string.IsNullOrWhiteSpace(dataDir) ? dataDir : string.IsNullOrWhiteSpace(data.Dir) ? null : data.Dir;
        DatasetSplits splits = source.Load(directory, partitioner.PoolsTestSet ? FeatureScale.Raw : FeatureScale.Normalized, log ?? Console.Error);
        FederatedData federated = Partition(partitioner, splits.Train, splits.Test, data, seed);
        return new FederatedDataLoad(federated, splits.FetchSeconds, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Splits already loaded data. A partitioner that pools the test set gets train and test
    /// concatenated and standardized per feature (<see cref="FeatureStandardizer"/>), so give it raw
    /// features; any other partitioner splits <paramref name="train"/> and keeps <paramref name="test"/>.
    /// </summary>
    public static FederatedData Partition(IPartitioner partitioner, Dataset train, Dataset test, DataSection data, ulong seed)
    {
        if (!partitioner.PoolsTestSet)
        {
            PartitionResult split = partitioner.Split(train.Labels, train.ClassCount, data, seed);
            return new FederatedData(train, split.ClientTrain, test);
        }

        Dataset pool = Pool(train, test);
        FeatureStandardizer.StandardizeInPlace(pool.Features, pool.FeatureCount);
        PartitionResult pooled = partitioner.Split(pool.Labels, pool.ClassCount, data, seed);
        if (pooled.TestIndices is null)
            throw new InvalidOperationException($"partition '{partitioner.Name}' pools the test set but returned no test indices");
        return new FederatedData(pool, pooled.ClientTrain, pool.Select($"{pool.Name}-test", pooled.TestIndices));
    }

    private static Dataset Pool(Dataset train, Dataset test)
    {
        if (train.FeatureCount != test.FeatureCount || train.ClassCount != test.ClassCount)
            throw new ArgumentException($"cannot pool '{train.Name}' and '{test.Name}': sample shapes or class counts differ");
        var features = new float[train.Features.Length + test.Features.Length];
        train.Features.CopyTo(features, 0);
        test.Features.CopyTo(features, train.Features.Length);
        int[] labels = [.. train.Labels, .. test.Labels];
        string name = train.Name.EndsWith("-train", StringComparison.Ordinal) ? train.Name[..^"-train".Length] + "-pooled" : train.Name + "-pooled";
        return new Dataset(name, features, labels, train.SampleShape, train.ClassCount);
    }
}

/// <summary>Loaded federated data with timings: seconds spent fetching files (0 if cached) and in total.</summary>
public sealed record FederatedDataLoad(FederatedData Data, double FetchSeconds, double TotalSeconds);
