using Flute.Core.Data;

namespace Flute.Core.Tests.Data;

public sealed class FeatureStandardizerTests
{
    [Fact]
    public void Standardizes_each_column_with_population_std_plus_epsilon()
    {
        // Column 0 is 0, 2, 4: mean 2, population std sqrt(8/3) = 1.63299; (4 − 2)/(1.63299 + 0.001) = 1.2239953.
        // Column 1 is constant 7: std 0, so every value maps to 0 / 0.001 = 0.
        float[] features = [0, 7, 2, 7, 4, 7];

        FeatureStandardizer.StandardizeInPlace(features, featureCount: 2);

        Assert.Equal(-1.2239953f, features[0], 5);
        Assert.Equal(0f, features[2], 5);
        Assert.Equal(1.2239953f, features[4], 5);
        Assert.Equal([0f, 0f, 0f], new[] { features[1], features[3], features[5] });
    }

    [Fact]
    public void Rejects_partial_rows()
    {
        Assert.Throws<ArgumentException>(() => FeatureStandardizer.StandardizeInPlace(new float[5], featureCount: 2));
    }
}
