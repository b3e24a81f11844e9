using Flute.Core.Codecs;
using Flute.Core.Randomness;

namespace Flute.Core.Tests.Codecs;

public sealed class StochasticQuantizationCodecTests
{
    private static DeterministicRandom Random(long client = 0) => DeterministicRandom.For(7, StreamPurpose.QuantizationRounding, 1, client);

    [Theory]
    // Unbound: one tensor. int32 count + int32 length + 8 bytes of bounds + ⌈len·bits/8⌉ bytes of codes.
    [InlineData(8, 1024, 4 + 4 + 8 + 1024)]
    [InlineData(8, 1025, 4 + 4 + 8 + 1025)]
    [InlineData(3, 10, 4 + 4 + 8 + 4)]
    [InlineData(1, 2048, 4 + 4 + 8 + 256)]
    [InlineData(8, 0, 4)]
    public void EncodedSize_IsTableBoundsAndPackedCodes(int bits, int count, int expected)
    {
        Assert.Equal(expected, new StochasticQuantizationCodec(bits).EncodedSize(count));
    }

    [Fact]
    public void BoundToALayout_EncodedSize_HasOneLengthAndRangePerTensor()
    {
        // Tensors of 7840 and 10 values at 4 bits: 4 + (4 + 8 + 3920) + (4 + 8 + 5) = 3953.
        IUpdateCodec codec = new StochasticQuantizationCodec(4).ForLayout(new TensorLayout([7840, 10]));
        Assert.Equal(3953, codec.EncodedSize(7850));
        Assert.Equal("quant:4", codec.Name);
        Assert.Throws<ArgumentException>(() => codec.EncodedSize(7851));
    }

    [Fact]
    public void EightBits_CutsFloat32ByMoreThan3Point9()
    {
        // mnist-cnn's 8 tensors: conv1 (32·1·5·5, 32), conv2 (64·32·5·5, 64), fc1 … — any few tensors over 1M values.
        int[] tensors = [800, 32, 51_200, 64, 900_000, 512, 5_120, 10];
        int parameters = tensors.Sum();
        double ratio = parameters * 4.0 / new StochasticQuantizationCodec(8).ForLayout(new TensorLayout(tensors)).EncodedSize(parameters);
        Assert.True(ratio >= 3.9, $"ratio {ratio}");
    }

    [Fact]
    public void EachTensorHasItsOwnRange_AndTheUnboundCodecDecodesABoundEncoding()
    {
        // Tensor 1 = [0, 255] and tensor 2 = [1000, 1255] at 8 bits: every value sits on a level of its own
        // tensor's range (step 1), so both decode exactly; one range over both would have step 1255/255 ≈ 4.9.
        float[] values = [.. Enumerable.Range(0, 256).Select(i => (float)i), .. Enumerable.Range(1000, 256).Select(i => (float)i)];
        IUpdateCodec bound = new StochasticQuantizationCodec(8).ForLayout(new TensorLayout([256, 256]));
        var bytes = new byte[bound.EncodedSize(values.Length)];
        bound.Encode(values, bytes, Random());
        var decoded = new float[values.Length];

        CodecRegistry.Get("quant:8").Decode(bytes, decoded);

        Assert.Equal(values, decoded);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void ValuesOnTheLevels_DecodeExactly(int bits)
    {
        // lo = 0, hi = 2^bits − 1: every level is an integer, so nothing is rounded.
        int levels = (1 << bits) - 1;
        float[] values = Enumerable.Range(0, levels + 1).Select(i => (float)i).Reverse().ToArray();
        var codec = new StochasticQuantizationCodec(bits);
        var bytes = new byte[codec.EncodedSize(values.Length)];
        codec.Encode(values, bytes, Random());
        var decoded = new float[values.Length];
        codec.Decode(bytes, decoded);

        Assert.Equal(values, decoded);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    [InlineData(1)]
    public void Decoding_IsUnbiased_OverTenThousandDraws(int bits)
    {
        // Mean of 10,000 encodings of the same vector → the vector. Each draw's error is at most one step
        // (hi − lo)/(2^bits − 1) with variance ≤ step²/4, so 4 standard errors of the mean bound the deviation;
        // at 8 bits that is ≤ 1% of every value here (the acceptance criterion), at 1 bit it is looser.
        // Two tensors, [-1, -0.37] and [0.05, 1]: each range is within [-1, 1], so the step bound below holds.
        float[] values = [-1f, -0.37f, 0.05f, 0.5f, 0.93f, 1f];
        IUpdateCodec codec = new StochasticQuantizationCodec(bits).ForLayout(new TensorLayout([2, 4]));
        var bytes = new byte[codec.EncodedSize(values.Length)];
        var decoded = new float[values.Length];
        var sums = new double[values.Length];
        const int draws = 10_000;
        var random = Random();
        for (int d = 0; d < draws; d++)
        {
            codec.Encode(values, bytes, random);
            codec.Decode(bytes, decoded);
            for (int i = 0; i < values.Length; i++) sums[i] += decoded[i];
        }

        double step = 2.0 / ((1 << bits) - 1);
        double bound = 4 * (step / 2) / Math.Sqrt(draws);
        for (int i = 0; i < values.Length; i++)
        {
            double mean = sums[i] / draws;
            Assert.True(Math.Abs(mean - values[i]) <= bound, $"value {values[i]}: mean {mean}, bound {bound}");
            if (bits == 8) Assert.True(Math.Abs(mean - values[i]) <= 0.01 * Math.Abs(values[i]), $"8 bits, value {values[i]}: mean {mean}");
        }
    }

    [Fact]
    public void EachDecodedValue_IsOneOfTheTwoNeighbouringLevels()
    {
        // 2 bits on [0, 3]: 1.25 must decode to 1 or 2, never anything else.
        float[] values = [0f, 1.25f, 3f];
        var codec = new StochasticQuantizationCodec(2);
        var bytes = new byte[codec.EncodedSize(3)];
        var decoded = new float[3];
        var random = Random();
        var seen = new HashSet<float>();
        for (int d = 0; d < 200; d++)
        {
            codec.Encode(values, bytes, random);
            codec.Decode(bytes, decoded);
            Assert.Equal(0f, decoded[0]);
            Assert.Equal(3f, decoded[2]);
            seen.Add(decoded[1]);
        }
        Assert.Equal([1f, 2f], seen.Order());
    }

    [Fact]
    public void ATensorWithANonFiniteValue_DecodesToNaN_AndOtherTensorsAreUntouched()
    {
        var values = new float[1030];
        values[3] = float.PositiveInfinity;
        values[1029] = 2f;
        IUpdateCodec codec = new StochasticQuantizationCodec(8).ForLayout(new TensorLayout([1024, 6]));
        var bytes = new byte[codec.EncodedSize(values.Length)];
        codec.Encode(values, bytes, Random());
        var decoded = new float[values.Length];
        codec.Decode(bytes, decoded);

        Assert.All(decoded[..1024], v => Assert.True(float.IsNaN(v)));
        Assert.Equal(2f, decoded[1029]);
    }

    [Fact]
    public void EightBitDecoding_IsLoPlusCodeTimesStep_InFloat32()
    {
        // The vectorised 8-bit path must give the scalar formula's bits: lo + code·step, each op rounded to float.
        float[] values = Enumerable.Range(0, 5000).Select(i => MathF.Sin(i) * 0.37f + 0.01f).ToArray();
        var codec = new StochasticQuantizationCodec(8);
        var bytes = new byte[codec.EncodedSize(values.Length)];
        codec.Encode(values, bytes, Random());
        var decoded = new float[values.Length];
        codec.Decode(bytes, decoded);

        float lo = BitConverter.ToSingle(bytes, 8), hi = BitConverter.ToSingle(bytes, 12);
        float step = (hi - lo) / 255;
        for (int i = 0; i < values.Length; i++) Assert.Equal(lo + bytes[16 + i] * step, decoded[i]);
    }

    [Fact]
    public void TheSameStream_GivesTheSameBytes()
    {
        float[] values = Enumerable.Range(0, 3000).Select(i => MathF.Sin(i)).ToArray();
        var codec = new StochasticQuantizationCodec(5);
        var first = new byte[codec.EncodedSize(values.Length)];
        var second = new byte[first.Length];
        var other = new byte[first.Length];
        codec.Encode(values, first, Random(3));
        codec.Encode(values, second, Random(3));
        codec.Encode(values, other, Random(4));

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void BadArguments_AreRejected()
    {
        var codec = new StochasticQuantizationCodec(8);
        Assert.Throws<ArgumentNullException>(() => codec.Encode(new float[4], new byte[12], null));
        Assert.Throws<FormatException>(() => codec.Decode(new byte[11], new float[4]));
        // A table claiming 3 values where the destination has 4, and a negative tensor count.
        byte[] three = new byte[codec.EncodedSize(3)];
        codec.Encode(new float[3], three, Random());
        Assert.Throws<FormatException>(() => codec.Decode(three, new float[4]));
        Assert.Throws<FormatException>(() => codec.Decode([0xFF, 0xFF, 0xFF, 0xFF], new float[0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StochasticQuantizationCodec(9));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StochasticQuantizationCodec(0));
    }
}
