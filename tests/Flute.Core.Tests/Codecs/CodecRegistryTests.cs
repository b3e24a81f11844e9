using Flute.Core.Codecs;
using Flute.Core.Randomness;

namespace Flute.Core.Tests.Codecs;

[Collection(Flute.Core.Tests.Registry.RegistryCollection.Name)]
public sealed class CodecRegistryTests
{
    [Fact]
    public void Get_ReturnsFloat32ByNameInAnyCase()
    {
        // Act
        IUpdateCodec lower = CodecRegistry.Get("float32");
        IUpdateCodec upper = CodecRegistry.Get("FLOAT32");

        // Assert
        Assert.IsType<Float32Codec>(lower);
        Assert.Equal("float32", upper.Name);
        Assert.Contains("float32", CodecRegistry.Names);
    }

    [Fact]
    public void Get_RejectsUnknownNamesAndUnexpectedArguments()
    {
        // Act
        ArgumentException unknown = Assert.Throws<ArgumentException>(() => CodecRegistry.Get("nope"));

        // Assert
        Assert.Contains("float32", unknown.Message);
        Assert.Throws<ArgumentException>(() => CodecRegistry.Get("float32:8"));
    }

    [Fact]
    public void Get_ReturnsTheBuiltInCodecsByFullName()
    {
        Assert.IsType<Float16Codec>(CodecRegistry.Get("float16"));
        Assert.IsType<BFloat16Codec>(CodecRegistry.Get("bfloat16"));
        Assert.Equal("quant:8", CodecRegistry.Get("quant:8").Name);
        Assert.Equal(1, ((StochasticQuantizationCodec)CodecRegistry.Get("quant:1")).Bits);
        Assert.Throws<ArgumentException>(() => CodecRegistry.Get("quant"));
        Assert.Throws<ArgumentException>(() => CodecRegistry.Get("quant:9"));
        Assert.Throws<ArgumentException>(() => CodecRegistry.Get("quant:x"));
        Assert.Throws<ArgumentException>(() => CodecRegistry.Get("float16:2"));
    }

    [Fact]
    public void Register_PassesTheArgumentAndCachesByFullName()
    {
        // Arrange
        var seen = new List<string?>();
        CodecRegistry.Register("test-scaled", "Test only.", argument =>
        {
            seen.Add(argument);
            return new ScaledCodec(argument!);
        });

        // Act
        IUpdateCodec first = CodecRegistry.Get("test-scaled:0.5");
        IUpdateCodec again = CodecRegistry.Get("test-scaled:0.5");
        IUpdateCodec other = CodecRegistry.Get("test-scaled:2");

        // Assert
        Assert.Same(first, again);
        Assert.NotSame(first, other);
        Assert.Equal(["0.5", "2"], seen);
        Assert.Equal("test-scaled:0.5", first.Name);
        Assert.Throws<InvalidOperationException>(() => CodecRegistry.Register("TEST-SCALED", "Again.", _ => first));
    }

    private sealed class ScaledCodec(string argument) : IUpdateCodec
    {
        public string Name => $"test-scaled:{argument}";

        public int EncodedSize(int count) => count * 4;

        public void Encode(ReadOnlySpan<float> values, Span<byte> destination, DeterministicRandom? random = null) =>
            throw new NotSupportedException();

        public void Decode(ReadOnlySpan<byte> source, Span<float> destination) => throw new NotSupportedException();
    }
}
