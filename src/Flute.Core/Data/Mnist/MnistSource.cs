namespace Flute.Core.Data.Mnist;

/// <summary>MNIST (LeCun et al. 1998): 60,000 training and 10,000 test digits, 28×28 grey pixels, 10 classes.</summary>
public sealed class MnistSource : IDatasetSource
{
    public string Name => "mnist";

    public DatasetSplits Load(string? dataDir, FeatureScale scale, TextWriter log) =>
        MnistLoader.LoadSplits(MnistFetcher.Ensure(dataDir, log), scale);
}
