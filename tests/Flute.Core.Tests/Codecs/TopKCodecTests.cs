using System.Buffers.Binary;
using Flute.Core.Codecs;
using Flute.Core.Randomness;

namespace Flute.Core.Tests.Codecs;

public sealed class TopKCodecTests
{
    [Theory]
    // k = ⌈F·n⌉, at least 1; 8 bytes per kept value (int32 index + float32 value).
    [InlineData(0.01, 98_834, 989)]
    [InlineData(0.5, 5, 3)]
    [InlineData(0.001, 10, 1)]
    [InlineData(1.0, 7, 7)]
    [InlineData(0.01, 0, 0)]
    public void Kept_IsTheCeilingOfTheFraction_AndTheSizeIsEightBytesEach(double fraction, int count, int k)
    {
        var codec = new TopKCodec(fraction);
        Assert.Equal(k, codec.Kept(count));
        Assert.Equal(8 * k, codec.EncodedSize(count));
    }

    [Fact]
    public void Encode_SendsTheLargestMagnitudesAsAscendingIndicesThenValues()
    {
        // k = ⌈0.4·5⌉ = 2: |−5| and |4| are the largest, at indices 1 and 3.
        float[] values = [1f, -5f, 0.5f, 4f, -2f];
        var codec = new TopKCodec(0.4);
        var bytes = new byte[16];
        codec.Encode(values, bytes);

        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(bytes));
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(-5f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8)));
        Assert.Equal(4f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(12)));
        var decoded = new float[5];
        Array.Fill(decoded, 9f);   // pooled buffers are not cleared: decode must write every value
        codec.Decode(bytes, decoded);
        Assert.Equal([0f, -5f, 0f, 4f, 0f], decoded);
    }

    [Fact]
    public void TiesAtTheThreshold_GoToTheLowerIndices()
    {
        // k = 3: 7 is larger than the rest; of the four 2s (indices 0, 2, 4, 5) the first two are kept.
        float[] values = [2f, 1f, -2f, 7f, 2f, -2f];
        var codec = new TopKCodec(0.5);
        var bytes = new byte[codec.EncodedSize(values.Length)];
        codec.Encode(values, bytes);
        var decoded = new float[values.Length];
        codec.Decode(bytes, decoded);
        Assert.Equal([2f, 0f, -2f, 7f, 0f, 0f], decoded);
    }

    [Fact]
    public void KeepsExactlyTheKLargest_OnALargeRandomVector()
    {
        var random = DeterministicRandom.For(3, StreamPurpose.Noise);
        float[] values = Enumerable.Range(0, 100_000).Select(_ => (float)random.NextGaussian()).ToArray();
        var codec = new TopKCodec(0.01);
        var bytes = new byte[codec.EncodedSize(values.Length)];
        codec.Encode(values, bytes);
        var decoded = new float[values.Length];
        codec.Decode(bytes, decoded);

        float[] expected = values.Select((v, i) => (v, i)).OrderByDescending(p => Math.Abs(p.v)).ThenBy(p => p.i).Take(1000)
            .Aggregate(new float[values.Length], (acc, p) => { acc[p.i] = p.v; return acc; });
        Assert.Equal(expected, decoded);
    }

    [Fact]
    public void ANonFiniteValue_IsAlwaysSent()
    {
        float[] values = [1f, float.NaN, 3f, 2f];
        var codec = new TopKCodec(0.25);
        var bytes = new byte[8];
        codec.Encode(values, bytes);
        var decoded = new float[4];
        codec.Decode(bytes, decoded);
        Assert.True(float.IsNaN(decoded[1]));
    }

    [Fact]
    public void Decode_RejectsIndicesOutOfRangeOrNotAscending_AndAWrongLength()
    {
        var codec = new TopKCodec(0.5);   // 4 values → k = 2
        Assert.Throws<FormatException>(() => codec.Decode(Pairs((0, 1f), (4, 1f)), new float[4]));
        Assert.Throws<FormatException>(() => codec.Decode(Pairs((2, 1f), (2, 1f)), new float[4]));
        Assert.Throws<FormatException>(() => codec.Decode(Pairs((-1, 1f), (2, 1f)), new float[4]));
        Assert.Throws<FormatException>(() => codec.Decode(new byte[8], new float[4]));
    }

    [Fact]
    public void TheRegistry_ParsesTheFraction_AndTheNameRoundTrips()
    {
        Assert.Equal("topk:0.01", CodecRegistry.Get("topk:0.01").Name);
        Assert.Equal(0.01, ((TopKCodec)CodecRegistry.Get(CodecRegistry.Get("topk:1e-2").Name)).Fraction);
        Assert.Throws<ArgumentException>(() => CodecRegistry.Get("topk"));
        Assert.Throws<ArgumentException>(() => CodecRegistry.Get("topk:0"));
        Assert.Throws<ArgumentException>(() => CodecRegistry.Get("topk:1.5"));
    }

    private static byte[] Pairs(params (int Index, float Value)[] pairs)
    {
        var bytes = new byte[8 * pairs.Length];
        for (int j = 0; j < pairs.Length; j++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * j), pairs[j].Index);
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * pairs.Length + 4 * j), pairs[j].Value);
        }
        return bytes;
    }
}
