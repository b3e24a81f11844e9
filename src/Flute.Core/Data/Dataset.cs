namespace Flute.Core.Data;

/// <summary>
/// Samples held in memory: features row-major (<see cref="Count"/> × <see cref="FeatureCount"/>),
/// one integer label each. <see cref="SampleShape"/> is the shape of one sample (e.g. [1, 28, 28]).
/// </summary>
public sealed class Dataset
{
    public Dataset(string name, float[] features, int[] labels, int[] sampleShape, int classCount)
    {
        int featureCount = 1;
        foreach (int d in sampleShape) featureCount *= d;
        if (features.Length != (long)labels.Length * featureCount)
            throw new ArgumentException($"{name}: {features.Length} feature values do not make {labels.Length} samples of {featureCount}");
        Name = name;
        Features = features;
        Labels = labels;
        SampleShape = sampleShape;
        FeatureCount = featureCount;
        ClassCount = classCount;
    }

    public string Name { get; }
    public float[] Features { get; }
    public int[] Labels { get; }
    public int[] SampleShape { get; }
    public int FeatureCount { get; }
    public int ClassCount { get; }
    public int Count => Labels.Length;

    public ReadOnlySpan<float> Sample(int index) => Features.AsSpan(index * FeatureCount, FeatureCount);

    /// <summary>A new data set holding copies of the given samples, in the given order.</summary>
    public Dataset Select(string name, ReadOnlySpan<int> indices)
    {
        var features = new float[(long)indices.Length * FeatureCount];
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            Sample(indices[i]).CopyTo(features.AsSpan(i * FeatureCount, FeatureCount));
            labels[i] = Labels[indices[i]];
        }
        return new Dataset(name, features, labels, SampleShape, ClassCount);
    }
}
