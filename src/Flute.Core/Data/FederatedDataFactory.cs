using System.Diagnostics;
using System.Runtime.InteropServices;
using Flute.Core.Configuration;
using Flute.Core.Data.Partitioners;
using Flute.Core.Registry;

namespace Flute.Core.Data;

/// <summary>
/// Builds the <see cref="FederatedData"/> an experiment trains on from the data section of its
/// config: the data set data.dataset names (<see cref="Components.Datasets"/>), split among the clients
/// by the partitioner data.partition names (<see cref="Components.Partitions"/>).
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
        IDatasetSource source = Components.Datasets.Create(data.Dataset, data);
        string? directory = !string.IsNullOrWhiteSpace(dataDir) ? dataDir : string.IsNullOrWhiteSpace(data.Dir) ? null : data.Dir;
        return source.Load(data, directory, seed, log ?? Console.Error);
    }

    /// <summary>
    /// Loads a data set that comes as train and test splits (<paramref name="loadSplits"/>, given the
    /// feature scale the partition needs) and splits it with the partitioner data.partition names.
    /// </summary>
    public static FederatedDataLoad LoadAndPartition(Func<FeatureScale, DatasetSplits> loadSplits, DataSection data, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(loadSplits);
        ArgumentNullException.ThrowIfNull(data);
        var clock = Stopwatch.StartNew();
        IPartitioner partitioner = Components.Partitions.Create(data.Partition, data);
        DatasetSplits splits = loadSplits(partitioner.PoolsTestSet ? FeatureScale.Raw : FeatureScale.Normalized);
        FederatedData federated = Partition(partitioner, splits.Train, splits.Test, data, seed);
        return new FederatedDataLoad(federated, splits.FetchSeconds, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Splits already loaded data. A partitioner that pools the test set gets train and test
    /// concatenated and standardized per feature over their raw stored values
    /// (<see cref="FeatureStandardizer"/>; any transform they had is replaced); any other
    /// partitioner splits <paramref name="train"/> and keeps <paramref name="test"/>. With
    /// data.validation_fraction above 0 a validation split is held out (<see cref="HoldOut"/>).
    /// </summary>
    public static FederatedData Partition(IPartitioner partitioner, Dataset train, Dataset test, DataSection data, ulong seed)
    {
        double fraction = data.ValidationFraction;
        if (!partitioner.PoolsTestSet)
        {
            Dataset? validation = null;
            if (fraction > 0)
            {
                // Held out before the partitioner runs, so it splits only what remains.
                int[] heldOut = ValidationSplit.Draw(train.Count, fraction, seed);
                string baseName = train.Name.EndsWith("-train", StringComparison.Ordinal) ? train.Name[..^"-train".Length] : train.Name;
                validation = train.Select($"{baseName}-validation", heldOut);
                train = train.Select(train.Name, ValidationSplit.Complement(train.Count, heldOut));
            }
            PartitionResult split = partitioner.Split(train.Labels, train.ClassCount, data, seed);
            return new FederatedData(train, split.ClientTrain, test, validation);
        }

        string name = train.Name.EndsWith("-train", StringComparison.Ordinal) ? train.Name[..^"-train".Length] + "-pooled" : train.Name + "-pooled";
        Dataset pool = FeatureStandardizer.Standardize(Pool(train, test, name), name);
        PartitionResult pooled = partitioner.Split(pool.Labels, pool.ClassCount, data, seed);
        if (pooled.TestIndices is null)
            throw new InvalidOperationException($"partition '{partitioner.Name}' pools the test set but returned no test indices");
        Dataset testSet = pool.Select($"{pool.Name}-test", pooled.TestIndices);
        return fraction > 0
            ? HoldOut(pool, pooled.ClientTrain, pooled.TestIndices, testSet, fraction, seed)
            : new FederatedData(pool, pooled.ClientTrain, testSet);
    }

    /// <summary>
    /// The validation split of a pooling partition. The partitioner draws the test set from the
    /// pool, so the split cannot come first: it is drawn from the pooled samples outside the test
    /// set and then removed from the clients' shards. The test set stays what it is at fraction 0,
    /// and the training pool loses the held-out samples so no client index can reach them.
    /// </summary>
    private static FederatedData HoldOut(Dataset pool, int[][] shards, int[] testIndices, Dataset test, double fraction, ulong seed)
    {
        int[] candidates = ValidationSplit.Complement(pool.Count, testIndices);
        int[] heldOut = ValidationSplit.Draw(candidates.Length, fraction, seed);
        for (int i = 0; i < heldOut.Length; i++) heldOut[i] = candidates[heldOut[i]];
        int[] kept = ValidationSplit.Complement(pool.Count, heldOut);

        var position = new int[pool.Count];
        Array.Fill(position, -1);
        for (int i = 0; i < kept.Length; i++) position[kept[i]] = i;
        int[][] clients = shards
            .Select(shard => shard.Where(i => position[i] >= 0).Select(i => position[i]).ToArray())
            .ToArray();

        return new FederatedData(pool.Select(pool.Name, kept), clients, test, pool.Select($"{pool.Name}-validation", heldOut));
    }

    /// <summary>
    /// Train then test, raw values only. Byte storage that already lies in one buffer, test right
    /// after train (as <see cref="Mnist.MnistLoader.LoadSplits(Mnist.MnistFiles, FeatureScale)"/> reads it), is shared, not copied.
    /// </summary>
    private static Dataset Pool(Dataset train, Dataset test, string name)
    {
        if (train.FeatureCount != test.FeatureCount || train.ClassCount != test.ClassCount || train.Storage != test.Storage)
            throw new ArgumentException($"cannot pool '{train.Name}' and '{test.Name}': sample shapes, class counts or storage differ");
        if (train.SampleStride != train.FeatureCount || test.SampleStride != test.FeatureCount)
            throw new ArgumentException($"cannot pool '{train.Name}' and '{test.Name}': overlapping windows are not stored row by row");
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
