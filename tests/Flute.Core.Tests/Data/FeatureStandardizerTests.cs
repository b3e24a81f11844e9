using Flute.Core.Data;

namespace Flute.Core.Tests.Data;

public sealed class FeatureStandardizerTests
{
    [Fact]
    public void Standardizes_each_column_with_population_std_plus_epsilon()
    {
        // Column 0 is 0, 2, 4: mean 2, population std sqrt(8/3) = 1.63299; (4 − 2)/(1.63299 + 0.001) = 1.2239953.
        // Column 1 is constant 7: std 0, so every value maps to 0 / 0.001 = 0.
        var raw = new Dataset("raw", (byte[])[0, 7, 2, 7, 4, 7], [0, 1, 0], [2], 2);

        Dataset standardized = FeatureStandardizer.Standardize(raw, "std");

        float[] features = new float[6];
        standardized.CopySamples([0, 1, 2], features);
        Assert.Equal(-1.2239953f, features[0], 5);
        Assert.Equal(0f, features[2], 5);
        Assert.Equal(1.2239953f, features[4], 5);
        Assert.Equal([0f, 0f, 0f], new[] { features[1], features[3], features[5] });
    }

    [Fact]
    public void Float_storage_gets_the_same_transform_as_byte_storage()
    {
        var bytes = new Dataset("b", (byte[])[0, 7, 2, 7, 4, 7], [0, 1, 0], [2], 2);
        var floats = new Dataset("f", [0, 7, 2, 7, 4, 7], [0, 1, 0], [2], 2);

        var (byteScale, byteShift) = FeatureStandardizer.Transform(bytes);
        var (floatScale, floatShift) = FeatureStandardizer.Transform(floats);

        Assert.Equal(byteScale, floatScale);
        Assert.Equal(byteShift, floatShift);
        // 1 / (sqrt(8/3) + 0.001) and −2 / (sqrt(8/3) + 0.001).
        Assert.Equal(0.6119976f, byteScale[0], 5);
        Assert.Equal(-1.2239953f, byteShift[0], 5);
    }

    [Fact]
    public void Shares_the_raw_values_and_replaces_any_earlier_transform()
    {
        var raw = new Dataset("raw", (byte[])[0, 7, 2, 7, 4, 7], [0, 1, 0], [2], 2, scale: [9f, 9f], shift: [1f, 1f]);

        Dataset standardized = FeatureStandardizer.Standardize(raw, "std");

        Assert.True(raw.RawBytes.Span == standardized.RawBytes.Span);
        Assert.Same(raw.Labels, standardized.Labels);
        Assert.Equal("std", standardized.Name);
        Assert.Equal(0.6119976f, standardized.Scale![0], 5);
    }

    [Fact]
    public void Byte_sums_are_exact_past_the_vector_width_and_the_32_bit_flush()
    {
        // 70,000 rows of 37 features (two 16-byte vectors and a scalar tail), every value 255:
        // sums of squares reach 70,000 · 65,025 = 4.55e9 > 2^32, so an unflushed 32-bit lane would wrap.
        // Feature 36 alternates 0 and 255: mean 127.5, population std 127.5.
        const int rows = 70_000, features = 37;
        var bytes = new byte[rows * features];
        Array.Fill(bytes, (byte)255);
        for (int r = 0; r < rows; r += 2) bytes[r * features + 36] = 0;
        var data = new Dataset("max", bytes, new int[rows], [features], 1);

        var (scale, shift) = FeatureStandardizer.Transform(data);

        // Constant 255: std 0, so scale 1/0.001 = 1000 and shift −255/0.001 = −255,000.
        Assert.All(scale[..36], v => Assert.Equal(1000f, v));
        Assert.All(shift[..36], v => Assert.Equal(-255_000f, v));
        Assert.Equal((float)(1 / 127.501), scale[36]);
        Assert.Equal((float)(-127.5 / 127.501), shift[36]);
    }
}
