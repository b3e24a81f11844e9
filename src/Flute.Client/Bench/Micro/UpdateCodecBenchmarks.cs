using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Flute.Core.Codecs;
using Flute.Core.Randomness;

namespace Flute.Client.Bench.Micro;

/// <summary>
/// The update codecs other than float32 (client.codec): decoding is what the fold does per client payload
/// (into a scratch float buffer), encoding what a client does once per round. GB/s counts the float32 data
/// (4 bytes per parameter), so the rows compare with <c>payload_decode</c> and <c>fold</c>.
/// </summary>
[BenchmarkCategory("codec")]
public class UpdateCodecBenchmarks
{
    private float[] _update = [];
    private byte[] _encoded = [];
    private float[] _decoded = [];
    private IUpdateCodec _codec = Float32Codec.Instance;

    [Params(1_000_000)]
    public int Parameters { get; set; }

    [Params("float16", "bfloat16", "quant:8", "quant:4", "topk:0.01")]
    public string Codec { get; set; } = "float16";

    [GlobalSetup]
    public void Setup()
    {
        _update = MemoryMarshal.Cast<byte, float>(SyntheticUpdate.Float32Bytes(Parameters)).ToArray();
        _codec = CodecRegistry.Get(Codec);
        _encoded = new byte[_codec.EncodedSize(Parameters)];
        _decoded = new float[Parameters];
        Encode();
    }

    [Benchmark]
    [Headline("codec_decode", HeadlineUnit.GigabytesPerSecond)]
    public float Decode()
    {
        _codec.Decode(_encoded, _decoded);
        return _decoded[^1];
    }

    [Benchmark]
    [Headline("codec_encode", HeadlineUnit.GigabytesPerSecond)]
    public int Encode()
    {
        // A fixed stream: every iteration times the same draws.
        _codec.Encode(_update, _encoded, DeterministicRandom.For(1, StreamPurpose.QuantizationRounding, 1, 1));
        return _encoded[0];
    }
}
