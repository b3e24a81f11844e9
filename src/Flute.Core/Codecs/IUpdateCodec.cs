using Flute.Core.Randomness;

namespace Flute.Core.Codecs;

/// <summary>
/// Turns a float32 pseudo-gradient into the bytes of a payload's data field and back (DESIGN.md,
/// "Payloads"). Codecs are stateless and thread-safe: one instance decodes every client's payload, and
/// anything per-client (e.g. an error-feedback residual) lives with the caller. The encoded size is an
/// exact function of the value count, so payload buffers can be pooled by exact length; a sparse or
/// quantized codec (top-k, n-bit) fixes its k or bit width in its <see cref="Name"/>.
/// </summary>
public interface IUpdateCodec
{
    /// <summary>
    /// The full name, parameters included (e.g. "float32", or "topk:0.01" for a parameterised codec),
    /// written into <see cref="PayloadHeader.Codec"/>. <see cref="CodecRegistry.Get"/> on this name returns
    /// an equivalent codec, so a payload says how to decode itself.
    /// </summary>
    string Name { get; }

    /// <summary>The exact number of bytes <see cref="Encode"/> writes for <paramref name="count"/> values.</summary>
    int EncodedSize(int count);

    /// <summary>
    /// Encodes <paramref name="values"/> into <paramref name="destination"/>, writing every one of its
    /// exactly <see cref="EncodedSize"/> bytes (pooled buffers are not cleared). Stochastic codecs draw
    /// only from <paramref name="random"/> (a per-client stream), so encoding stays a pure function of
    /// its inputs; deterministic codecs ignore it.
    /// </summary>
    void Encode(ReadOnlySpan<float> values, Span<byte> destination, DeterministicRandom? random = null);

    /// <summary>
    /// Decodes <paramref name="source"/> into <paramref name="destination"/>, whose length is the model's
    /// parameter count; every value is written (a sparse codec writes zeros where it sent nothing).
    /// </summary>
    /// <exception cref="FormatException"><paramref name="source"/> is not an encoding of that many values.</exception>
    void Decode(ReadOnlySpan<byte> source, Span<float> destination);

    /// <summary>
    /// This codec for updates of the given tensor layout (the client encodes with it): a codec that
    /// treats tensors separately (per-tensor quantization) returns an instance bound to
    /// <paramref name="layout"/>, whose encoding carries what its decoder needs, so the registry's
    /// unbound instance still decodes it; every other codec returns itself.
    /// </summary>
    IUpdateCodec ForLayout(TensorLayout layout) => this;
}
