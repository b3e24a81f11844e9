using System.Buffers;
using System.Runtime.InteropServices;
using Flute.Core.Codecs;
using Flute.Core.Strategies;

namespace Flute.Core.Aggregation;

/// <summary>
/// Folding one client's pseudo-gradient payload: the header is checked against the request, the
/// strategy weighs it, and the exact fixed-point accumulator takes it or rejects it. The experiment
/// grain (direct path) and a silo's partial aggregate run this same code, so both give the same bits.
/// </summary>
public static class UpdateFold
{
    /// <exception cref="InvalidDataException">The payload's header does not match the client, round or model version.</exception>
    public static FoldStatus Fold(
        byte[] payload, long client, int round, long modelVersion, IStrategy strategy,
        FixedPointAccumulator aggregate, RoundTally tally)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(aggregate);
        ArgumentNullException.ThrowIfNull(tally);
        PayloadHeader header = ReadMatching(payload, client, round, modelVersion, out ReadOnlyMemory<byte> data);
        double weight = strategy.ClientWeight(new ClientUpdateInfo(header.SampleCount, header.Loss));
        FoldStatus status;
        if (IsFloat32(header))
        {
            status = aggregate.TryFold(data.Span, weight);
        }
        else if (string.Equals(header.Codec, PairwiseMasks.CodecName, StringComparison.Ordinal))
        {
            status = FoldMasked(header, data.Span, weight, aggregate);
        }
        else
        {
            // Another codec: decode into a pooled scratch buffer, then fold the floats exactly as float32's.
            float[] scratch = ArrayPool<float>.Shared.Rent(aggregate.Length);
            try
            {
                Span<float> update = scratch.AsSpan(0, aggregate.Length);
                Decode(header, data.Span, update);
                status = aggregate.TryFold(update, weight);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }
        if (status == FoldStatus.Folded) tally.Add(header.SampleCount, header.Loss);
        else tally.Rejected++;
        return status;
    }

    /// <summary>A secure-aggregation payload: fixed-point integers plus masks, added modulo 2^64 (never decoded to floats).</summary>
    private static FoldStatus FoldMasked(in PayloadHeader header, ReadOnlySpan<byte> data, double weight, FixedPointAccumulator aggregate)
    {
        if (data.Length != aggregate.Length * sizeof(long) || aggregate.FractionBits != FixedPointAccumulator.DefaultFractionBits)
            throw new InvalidDataException($"client {header.Client} sent a masked update of {data.Length} bytes at F = {FixedPointAccumulator.DefaultFractionBits}; the fold expects {aggregate.Length * sizeof(long)} bytes at F = {aggregate.FractionBits}");
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Reading masked payloads in place needs a little-endian machine.");
        return aggregate.TryFoldMasked(MemoryMarshal.Cast<byte, long>(data), weight);
    }

    /// <summary>Whether the payload's data is raw float32 (folded without decoding).</summary>
    public static bool IsFloat32(in PayloadHeader header) => string.Equals(header.Codec, Float32Codec.CodecName, StringComparison.Ordinal);

    /// <summary>Decodes a payload's data by the codec its header names into <paramref name="destination"/> (the update's length).</summary>
    /// <exception cref="InvalidDataException">The header names a codec that is not registered, or the data is not an encoding of that many values.</exception>
    public static void Decode(in PayloadHeader header, ReadOnlySpan<byte> data, Span<float> destination)
    {
        IUpdateCodec codec;
        try
        {
            codec = CodecRegistry.Get(header.Codec);
        }
        catch (ArgumentException)
        {
            throw new InvalidDataException($"client {header.Client} sent an update encoded with unknown codec '{header.Codec}'; known codecs: {string.Join(", ", CodecRegistry.Names)}");
        }
        try
        {
            codec.Decode(data, destination);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"client {header.Client} sent a malformed {header.Codec} update: {e.Message}", e);
        }
    }

    /// <summary>Reads a payload's header and data region, checking the header against its reply.</summary>
    /// <exception cref="InvalidDataException">The header names another client, round or model version.</exception>
    public static PayloadHeader ReadMatching(byte[] payload, long client, int round, long modelVersion, out ReadOnlyMemory<byte> data)
    {
        PayloadHeader header = PseudoGradientPayload.Read(payload, out data);
        if (header.Client != client || header.Round != round || header.ModelVersion != modelVersion)
            throw new InvalidDataException($"payload header (client {header.Client}, round {header.Round}, version {header.ModelVersion}) does not match its reply (client {client}, round {round}, version {modelVersion})");
        return header;
    }
}
