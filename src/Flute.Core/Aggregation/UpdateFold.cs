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
        FoldStatus status = aggregate.TryFold(data.Span, weight);
        if (status == FoldStatus.Folded) tally.Add(header.SampleCount, header.Loss);
        else tally.Rejected++;
        return status;
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
