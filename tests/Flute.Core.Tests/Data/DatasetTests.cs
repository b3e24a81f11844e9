using Flute.Core.Data;

namespace Flute.Core.Tests.Data;

public sealed class DatasetTests
{
    // MNIST's normalization as a transform: 1/(255 · 0.3081) and −0.1307/0.3081, rounded to float.
    private const float MnistScale = 0.012728233f;
    private const float MnistShift = -0.42421296f;

    private static float[] Filled(int count, float value) => Enumerable.Repeat(value, count).ToArray();

    /// <summary>
    /// 3 samples of 20 pixels (more than one 16-byte vector, so both the vector and the scalar
    /// path run): sample s, pixel j holds (37·s + 13·j) mod 256.
    /// </summary>
    private static Dataset Pixels(float[]? scale, float[]? shift)
    {
        var bytes = new byte[3 * 20];
        for (int s = 0; s < 3; s++)
            for (int j = 0; j < 20; j++)
                bytes[s * 20 + j] = (byte)((37 * s + 13 * j) % 256);
        return new Dataset("pixels", bytes, [0, 1, 2], [1, 4, 5], 3, scale, shift);
    }

    [Fact]
    public void CopySample_of_bytes_applies_the_transform_as_an_unfused_multiply_then_add()
    {
        float[] scale = Filled(20, MnistScale), shift = Filled(20, MnistShift);
        scale[19] = 2f;
        shift[19] = 0.5f;
        Dataset data = Pixels(scale, shift);
        var actual = new float[20];

        data.CopySample(1, actual);

        // Sample 1: pixel 0 is 37 → 37 · 0.012728233 − 0.42421296 = 0.04673166; pixel 19 is (37 + 247) mod 256 = 28 → 28 · 2 + 0.5.
        Assert.Equal(0.04673166f, actual[0], 6);
        Assert.Equal(56.5f, actual[19]);
        for (int j = 0; j < 20; j++)
        {
            float raw = (37 + 13 * j) % 256;
            float product = raw * scale[j];
            Assert.Equal(BitConverter.SingleToInt32Bits(product + shift[j]), BitConverter.SingleToInt32Bits(actual[j]));
        }
    }

    [Fact]
    public void The_unfused_expectation_differs_from_a_fused_multiply_add_for_some_pixel()
    {
        // Shows the bitwise test above can tell the two apart: for some byte b, round(round(b·s) + t) ≠ round(b·s + t).
        int differing = Enumerable.Range(0, 256).Count(b =>
        {
            float product = b * MnistScale;
            return BitConverter.SingleToInt32Bits(product + MnistShift) != BitConverter.SingleToInt32Bits(MathF.FusedMultiplyAdd(b, MnistScale, MnistShift));
        });
        Assert.True(differing > 0);

        var data = new Dataset("all-bytes", Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), [0], [256], 1, Filled(256, MnistScale), Filled(256, MnistShift));
        var actual = new float[256];
        data.CopySample(0, actual);
        for (int b = 0; b < 256; b++)
        {
            float product = b * MnistScale;
            Assert.Equal(BitConverter.SingleToInt32Bits(product + MnistShift), BitConverter.SingleToInt32Bits(actual[b]));
        }
    }

    [Fact]
    public void CopySample_without_a_transform_gives_the_raw_values()
    {
        Dataset data = Pixels(null, null);
        var actual = new float[20];

        data.CopySample(2, actual);

        // Sample 2, pixel 0: 74; pixel 19: (74 + 247) mod 256 = 65.
        Assert.Equal((74f, 65f), (actual[0], actual[19]));
    }

    [Fact]
    public void Missing_half_of_the_transform_is_identity()
    {
        var onlyScale = new Dataset("s", [1f, -2f], [0], [2], 1, scale: [3f, 0.5f]);
        var onlyShift = new Dataset("t", [1f, -2f], [0], [2], 1, shift: [3f, 0.5f]);
        var a = new float[2];
        var b = new float[2];

        onlyScale.CopySample(0, a);
        onlyShift.CopySample(0, b);

        Assert.Equal([3f, -1f], a);
        Assert.Equal([4f, -1.5f], b);
    }

    [Fact]
    public void CopySamples_equals_CopySample_per_sample_bit_for_bit()
    {
        Dataset data = Pixels(Filled(20, MnistScale), Filled(20, MnistShift));
        int[] indices = [2, 0, 2, 1];
        var batch = new float[4 * 20 + 7];
        var range = new float[3 * 20];

        data.CopySamples(indices, batch);
        data.CopySamples(0, 3, range);

        var one = new float[20];
        for (int i = 0; i < indices.Length; i++)
        {
            data.CopySample(indices[i], one);
            Assert.Equal(one.Select(BitConverter.SingleToInt32Bits), batch.Skip(i * 20).Take(20).Select(BitConverter.SingleToInt32Bits));
        }
        for (int s = 0; s < 3; s++)
        {
            data.CopySample(s, one);
            Assert.Equal(one.Select(BitConverter.SingleToInt32Bits), range.Skip(s * 20).Take(20).Select(BitConverter.SingleToInt32Bits));
        }
        // Rows past the batch are left alone.
        Assert.All(batch.Skip(80), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Float_storage_with_a_transform_matches_byte_storage_of_the_same_values()
    {
        Dataset bytes = Pixels(Filled(20, MnistScale), Filled(20, MnistShift));
        var floats = new Dataset("floats", bytes.RawBytes.ToArray().Select(b => (float)b).ToArray(), bytes.Labels, bytes.SampleShape, 3, bytes.Scale, bytes.Shift);
        var a = new float[60];
        var b = new float[60];

        bytes.CopySamples(0, 3, a);
        floats.CopySamples(0, 3, b);

        Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Select_copies_raw_values_and_labels_and_shares_the_transform()
    {
        float[] scale = Filled(20, 2f), shift = Filled(20, -1f);
        Dataset data = Pixels(scale, shift);

        Dataset picked = data.Select("picked", [2, 0]);

        Assert.Equal(("picked", 2, DatasetStorage.Byte), (picked.Name, picked.Count, picked.Storage));
        Assert.Equal([2, 0], picked.Labels);
        Assert.Same(scale, picked.Scale);
        Assert.Same(shift, picked.Shift);
        // Sample 2 pixel 0 is 74 → 147; sample 0 pixel 1 is 13 → 25.
        var first = new float[20];
        var second = new float[20];
        picked.CopySample(0, first);
        picked.CopySample(1, second);
        Assert.Equal((147f, 25f), (first[0], second[1]));
        Assert.Equal(74, picked.RawBytes.Span[0]);
    }

    [Fact]
    public void Select_of_float_storage_copies_floats()
    {
        var data = new Dataset("f", [1f, 2f, 3f, 4f, 5f, 6f], [0, 1, 0], [2], 2, shift: [10f, 20f]);

        Dataset picked = data.Select("p", [1]);

        var values = new float[2];
        picked.CopySample(0, values);
        Assert.Equal([13f, 24f], values);
        Assert.Equal(DatasetStorage.Float, picked.Storage);
    }

    [Fact]
    public void Bad_indices_ranges_destinations_and_transforms_are_rejected()
    {
        Dataset data = Pixels(null, null);

        Assert.Throws<ArgumentOutOfRangeException>(() => data.CopySample(3, new float[20]));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.CopySamples([0, -1], new float[40]));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.CopySamples(2, 2, new float[40]));
        Assert.Throws<ArgumentException>(() => data.CopySamples([0, 1], new float[39]));
        Assert.Throws<ArgumentException>(() => data.CopySample(0, new float[19]));
        Assert.Throws<ArgumentException>(() => new Dataset("x", new byte[4], [0, 1], [2], 2, scale: [1f]));
        Assert.Throws<ArgumentException>(() => new Dataset("x", new byte[5], [0, 1], [2], 2));
    }
}
