using System.Diagnostics;
using System.Runtime.InteropServices;
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
    /// concatenated and standardized per feature over their raw stored values
    /// (<see cref="FeatureStandardizer"/>; any transform they had is replaced); any other
    /// partitioner splits <paramref name="train"/> and keeps <paramref name="test"/>.
    /// </summary>
    public static FederatedData Partition(IPartitioner partitioner, Dataset train, Dataset test, DataSection data, ulong seed)
    {
        if (!partitioner.PoolsTestSet)
        {
            PartitionResult split = partitioner.Split(train.Labels, train.ClassCount, data, seed);
            return new FederatedData(train, split.ClientTrain, test);
        }

        string name = train.Name.EndsWith("-train", StringComparison.Ordinal) ? train.Name[..^"-train".Length] + "-pooled" : train.Name + "-pooled";
        Dataset pool = FeatureStandardizer.Standardize(Pool(train, test, name), name);
        PartitionResult pooled = partitioner.Split(pool.Labels, pool.ClassCount, data, seed);
        if (pooled.TestIndices is null)
            throw new InvalidOperationException($"partition '{partitioner.Name}' pools the test set but returned no test indices");
        return new FederatedData(pool, pooled.ClientTrain, pool.Select($"{pool.Name}-test", pooled.TestIndices));
    }

    /// <summary>
    /// Train then test, raw values only. Byte storage that already lies in one buffer, test right
    /// after train (as <see cref="Mnist.MnistLoader.LoadSplits"/> reads it), is shared, not copied.
    /// </summary>
    private static Dataset Pool(Dataset train, Dataset test, string name)
    {
        if (train.FeatureCount != test.FeatureCount || train.ClassCount != test.ClassCount || train.Storage != test.Storage)
            throw new ArgumentException($"cannot pool '{train.Name}' and '{test.Name}': sample shapes, class counts or storage differ");
        int[] labels = [.. train.Labels, .. test.Labels];
        if (train.Storage == DatasetStorage.Float)
        {
            float[] features = [.. train.RawFloats.Span, .. test.RawFloats.Span];
            return new Dataset(name, features, labels, train.SampleShape, train.ClassCount);
        }
        return new Dataset(name, Concatenate(train.RawBytes, test.RawBytes), labels, train.SampleShape, train.ClassCount);
    }

    private static ReadOnlyMemory<byte> Concatenate(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
    {
        if (MemoryMarshal.TryGetArray(first, out ArraySegment<byte> a) && MemoryMarshal.TryGetArray(second, out ArraySegment<byte> b)
            && a.Array == b.Array && a.Offset + a.Count == b.Offset)
            return a.Array.AsMemory(a.Offset, a.Count + b.Count);
        byte[] joined = [.. first.Span, .. second.Span];
        return joined;
    }
}

/// <summary>Loaded federated data with timings: seconds spent fetching files (0 if cached) and in total.</summary>
public sealed record FederatedDataLoad(FederatedData Data, double FetchSeconds, double TotalSeconds);
