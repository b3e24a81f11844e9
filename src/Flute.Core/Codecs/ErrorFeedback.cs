using System.Numerics.Tensors;
using Flute.Core.Randomness;

namespace Flute.Core.Codecs;

/// <summary>
/// Error feedback around a lossy codec (Stich, Cordonnier and Jaggi 2018, arXiv:1809.07599): the client
/// sends encode(update + residual) and keeps (update + residual) − decode(sent) as its next residual,
/// so nothing is lost, only delayed.
/// </summary>
public static class ErrorFeedback
{
    /// <summary>
    /// Adds <paramref name="residual"/> (empty: none yet) to <paramref name="update"/>, encodes the sum into
    /// <paramref name="destination"/> and writes what was not sent into <paramref name="nextResidual"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A residual or the next residual's buffer has another length than the update.</exception>
    public static void Encode(IUpdateCodec codec, Span<float> update, ReadOnlySpan<float> residual, Span<byte> destination,
                              Span<float> nextResidual, DeterministicRandom? random)
    {
        ArgumentNullException.ThrowIfNull(codec);
        if (!residual.IsEmpty && residual.Length != update.Length)
            throw new ArgumentException($"The residual has {residual.Length} values; the update has {update.Length}.", nameof(residual));
        if (nextResidual.Length != update.Length)
            throw new ArgumentException($"The next residual's buffer has {nextResidual.Length} values; the update has {update.Length}.", nameof(nextResidual));
        if (!residual.IsEmpty) TensorPrimitives.Add(update, residual, update);
        codec.Encode(update, destination, random);
        codec.Decode(destination, nextResidual);
        TensorPrimitives.Subtract(update, nextResidual, nextResidual);
    }
}
