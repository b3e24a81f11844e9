namespace Flute.Core.Data;

/// <summary>How a data set's features are scaled when loaded.</summary>
public enum FeatureScale
{
    /// <summary>The data set's usual normalization (MNIST: (x/255 − 0.1307)/0.3081).</summary>
    Normalized = 0,

    /// <summary>Raw values as stored (MNIST: pixel values 0..255 as floats), for partitioners that standardize themselves.</summary>
    Raw = 1,
}
