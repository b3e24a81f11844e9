using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Flute.Core.Codecs;

namespace Flute.Client.Bench.Micro;

/// <summary>
/// The MessagePack pseudo-gradient payload: encoding is what a trainer does per client (header + float
/// data into the pooled buffer); decoding is what the experiment grain does before the fold (parse the
/// header, then read every float of the data view in place).
/// </summary>
[BenchmarkCategory("payload")]
public class PayloadCodecBenchmarks
{
    private byte[] _update = [];
    private byte[] _buffer = [];
    private PayloadHeader _header;

    [Params(1_000_000)]
    public int Parameters { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _update = SyntheticUpdate.Float32Bytes(Parameters);
        _header = new PayloadHeader("bench-experiment-0001", 17, 17, 123_456, 60, 0.4321, Float32Codec.CodecName);
        _buffer = new byte[PseudoGradientPayload.SizeOf(_header, _update.Length)];
        Encode();
    }

    [Benchmark]
    [Headline("payload_encode", HeadlineUnit.GigabytesPerSecond)]
    public int Encode()
    {
        Memory<byte> data = PseudoGradientPayload.Write(_buffer, _header, _update.Length);
        _update.CopyTo(data.Span);
        return data.Length;
    }

    [Benchmark]
    [Headline("payload_decode", HeadlineUnit.GigabytesPerSecond)]
    public float Decode()
    {
        PayloadHeader header = PseudoGradientPayload.Read(_buffer, out ReadOnlyMemory<byte> data);
        return TensorPrimitives.Sum(MemoryMarshal.Cast<byte, float>(data.Span)) + header.SampleCount;
    }
}
