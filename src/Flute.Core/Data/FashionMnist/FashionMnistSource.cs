using Flute.Core.Configuration;
using Flute.Core.Data.Mnist;

namespace Flute.Core.Data.FashionMnist;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017, arXiv:1708.07747): 60,000 training and 10,000 test
/// Zalando article images, 28×28 grey pixels, 10 classes; MNIST's shape, a harder task. Located or
/// fetched by <see cref="FashionMnistFetcher"/>.
/// </summary>
public sealed class FashionMnistSource : IDatasetSource
{
    /// <summary>Mean and standard deviation of the training pixels scaled to [0, 1] (the usual normalization).</summary>
    public const float PixelMean = 0.2860f;

    /// <inheritdoc cref="PixelMean"/>
    public const float PixelStd = 0.3530f;

    /// <inheritdoc/>
    public bool FetchesFiles => true;

    /// <inheritdoc/>
    public DatasetShape Shape(DataSection data) => new([1, MnistLoader.Side, MnistLoader.Side], MnistLoader.ClassCount);

    /// <inheritdoc/>
    public DataLocation Locate(string? dataDir, TextWriter log)
    {
        MnistFiles files = FashionMnistFetcher.Ensure(dataDir, log);
        return new DataLocation(files.Directory, files.FetchSeconds);
    }

    /// <inheritdoc/>
    public FederatedDataLoad Load(DataSection data, string? dataDir, ulong seed, TextWriter log) =>
        FederatedDataFactory.LoadAndPartition(
            scale => MnistLoader.LoadSplits("fashion-mnist", FashionMnistFetcher.Ensure(dataDir, log), MnistLoader.Transform(scale, PixelMean, PixelStd)), data, seed);
}
