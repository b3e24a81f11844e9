using Flute.Core.Configuration;

namespace Flute.Core.Data.Mnist;

/// <summary>MNIST (LeCun et al. 1998): 60,000 training and 10,000 test digits, 28×28 grey pixels, 10 classes.</summary>
public sealed class MnistSource : IDatasetSource
{
    /// <inheritdoc/>
    public bool FetchesFiles => true;

    /// <inheritdoc/>
    public DatasetShape Shape(DataSection data) => new([1, 28, 28], 10);

    /// <inheritdoc/>
    public FederatedDataLoad Load(DataSection data, string? dataDir, ulong seed, TextWriter log) =>
        FederatedDataFactory.LoadAndPartition(scale => LoadSplits(dataDir, scale, log), data, seed);

    /// <inheritdoc/>
    public DataLocation Locate(string? dataDir, TextWriter log)
    {
        MnistFiles files = MnistFetcher.Ensure(dataDir, log);
        return new DataLocation(files.Directory, files.FetchSeconds);
    }

    /// <summary>The train and test splits, fetched into the data cache on first use when <paramref name="dataDir"/> is null.</summary>
    public static DatasetSplits LoadSplits(string? dataDir, FeatureScale scale, TextWriter log) =>
        MnistLoader.LoadSplits(MnistFetcher.Ensure(dataDir, log), scale);
}
