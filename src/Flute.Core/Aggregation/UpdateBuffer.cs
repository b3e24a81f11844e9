using System.Runtime.InteropServices;
using Flute.Core.Codecs;
using Flute.Core.Strategies;

namespace Flute.Core.Aggregation;

/// <summary>
/// The buffered aggregator: one round's updates decoded and kept one by one (the payload buffer can go
/// back to its pool), handed to the strategy ordered by client id so arrival order never matters. A
/// client taken twice (a retried call whose first attempt also answered) counts once. Memory: cohort ×
/// parameters × 4 bytes.
/// </summary>
public sealed class UpdateBuffer(int parameters)
{
    private readonly SortedDictionary<long, ClientUpdate> _updates = [];

    /// <summary>Parameters per update.</summary>
    public int Length { get; } = parameters;

    /// <summary>Updates held.</summary>
    public int Count => _updates.Count;

    /// <summary>
    /// Decodes one client's payload and keeps it; an update with NaN or Inf is rejected (and counted in
    /// <paramref name="tally"/>), never kept.
    /// </summary>
    /// <exception cref="InvalidDataException">The payload's header does not match the client, round or model version.</exception>
    public FoldStatus TryAdd(byte[] payload, long client, int round, long modelVersion, RoundTally tally)
    {
        ArgumentNullException.ThrowIfNull(tally);
        PayloadHeader header = UpdateFold.ReadMatching(payload, client, round, modelVersion, out ReadOnlyMemory<byte> data);
        bool float32 = UpdateFold.IsFloat32(header);
        if (float32 && data.Length != Length * sizeof(float))
            throw new InvalidDataException($"client {client} sent {data.Length} bytes of update; the model has {Length} float32 parameters");
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Reading float32 payloads needs a little-endian machine.");
        if (_updates.ContainsKey(client)) return FoldStatus.Folded;
        var update = new float[Length];
        if (float32) MemoryMarshal.Cast<byte, float>(data.Span).CopyTo(update);
        else UpdateFold.Decode(header, data.Span, update);
        foreach (float value in update)
        {
            if (float.IsFinite(value)) continue;
            tally.Rejected++;
            return FoldStatus.RejectedNonFinite;
        }
        _updates.Add(client, new ClientUpdate(client, header.SampleCount, header.Loss, update));
        tally.Add(header.SampleCount, header.Loss);
        return FoldStatus.Folded;
    }

    /// <summary>The updates held, ordered by client id.</summary>
    public IReadOnlyList<ClientUpdate> OrderedByClient() => [.. _updates.Values];

    /// <summary>Drops every update (the start of a round).</summary>
    public void Clear() => _updates.Clear();
}
