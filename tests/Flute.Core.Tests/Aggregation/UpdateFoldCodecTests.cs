using Flute.Core.Aggregation;
using Flute.Core.Codecs;
using Flute.Core.Randomness;
using Flute.Core.Strategies;

namespace Flute.Core.Tests.Aggregation;

[Collection(Flute.Core.Tests.Registry.RegistryCollection.Name)]
public sealed class UpdateFoldCodecTests
{
    private const int Round = 4;
    private const long Version = 4;

    private static byte[] Encoded(IUpdateCodec codec, long client, float[] update)
    {
        var header = new PayloadHeader("exp", Round, Version, client, 10, 0.5, codec.Name);
        int bytes = codec.EncodedSize(update.Length);
        var payload = new byte[PseudoGradientPayload.SizeOf(header, bytes)];
        Memory<byte> data = PseudoGradientPayload.Write(payload, header, bytes);
        codec.Encode(update, data.Span, DeterministicRandom.For(1, StreamPurpose.QuantizationRounding, Round, client));
        return payload;
    }

    private static IStrategy FedAvg() => new FedAvg();

    [Theory]
    [InlineData("float16")]
    [InlineData("bfloat16")]
    [InlineData("quant:3")]
    public void Fold_DecodesByTheHeadersCodec_LikeFoldingTheDecodedFloats(string codecName)
    {
        // Folding an encoded payload must give the same fixed-point sums as folding what it decodes to.
        IUpdateCodec codec = CodecRegistry.Get(codecName);
        float[] update = [0.25f, -1.5f, 3.1f];
        byte[] payload = Encoded(codec, 7, update);
        var decoded = new float[3];
        Assert.Equal(codec.Name, PseudoGradientPayload.Read(payload, out ReadOnlyMemory<byte> data).Codec);
        codec.Decode(data.Span, decoded);
        var viaFold = new FixedPointAccumulator(3);
        var direct = new FixedPointAccumulator(3);

        FoldStatus status = UpdateFold.Fold(payload, 7, Round, Version, FedAvg(), viaFold, new RoundTally());
        direct.TryFold(decoded, 10);

        Assert.Equal(FoldStatus.Folded, status);
        Assert.Equal(direct.Sums.ToArray(), viaFold.Sums.ToArray());
        Assert.Equal(direct.WeightSum, viaFold.WeightSum);
    }

    [Fact]
    public void Buffer_DecodesByTheHeadersCodec()
    {
        var buffer = new UpdateBuffer(3);
        buffer.TryAdd(Encoded(Float16Codec.Instance, 2, [0.5f, 1f, -2f]), 2, Round, Version, new RoundTally());

        Assert.Equal([0.5f, 1f, -2f], buffer.OrderedByClient()[0].Update.ToArray());
    }

    [Fact]
    public void AnUnknownCodec_IsRejectedWithItsName()
    {
        var header = new PayloadHeader("exp", Round, Version, 5, 10, 0.5, "zip");
        var payload = new byte[PseudoGradientPayload.SizeOf(header, 12)];
        PseudoGradientPayload.Write(payload, header, 12);

        var fold = Assert.Throws<InvalidDataException>(() => UpdateFold.Fold(payload, 5, Round, Version, FedAvg(), new FixedPointAccumulator(3), new RoundTally()));
        var buffered = Assert.Throws<InvalidDataException>(() => new UpdateBuffer(3).TryAdd(payload, 5, Round, Version, new RoundTally()));

        Assert.Contains("unknown codec 'zip'", fold.Message);
        Assert.Contains("float32", fold.Message);
        Assert.Contains("unknown codec 'zip'", buffered.Message);
    }

    [Fact]
    public void AQuantizedUpdateWithInfinity_IsRejectedAsNonFinite()
    {
        var tally = new RoundTally();
        byte[] payload = Encoded(CodecRegistry.Get("quant:8"), 3, [1f, float.PositiveInfinity, 0f]);

        FoldStatus status = UpdateFold.Fold(payload, 3, Round, Version, FedAvg(), new FixedPointAccumulator(3), tally);

        Assert.Equal(FoldStatus.RejectedNonFinite, status);
        Assert.Equal(1, tally.Rejected);
    }
}
