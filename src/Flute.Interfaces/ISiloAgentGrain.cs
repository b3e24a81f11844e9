namespace Flute.Interfaces;

/// <summary>
/// One per silo, placed on the silo its key names (the silo address, <c>SiloAddress.ToParsableString()</c>):
/// reports what the silo is (device, trainers, client grains) and hands over the partial aggregates its
/// client grains folded. A call for a silo that has left the cluster fails instead of landing elsewhere.
/// </summary>
[Alias("Flute.ISiloAgentGrain")]
public interface ISiloAgentGrain : IGrainWithStringKey
{
    [Alias("GetInfoAsync")]
    Task<SiloInfo> GetInfoAsync();

    /// <summary>Removes and returns the silo's partial aggregate of one round (null when it holds none).</summary>
    [Alias("TakePartialAsync")]
    Task<PartialAggregate?> TakePartialAsync(string experimentId, int round, long modelVersion);

    /// <summary>Drops this silo's data, weights and partials of an experiment that stopped training.</summary>
    [Alias("ReleaseAsync")]
    Task ReleaseAsync(string experimentId);
}

/// <summary>What <c>flute cluster status</c> shows for one silo.</summary>
[GenerateSerializer, Immutable, Alias("Flute.SiloInfo")]
public sealed record SiloInfo(
    [property: Id(0)] string Address,
    [property: Id(1)] string Name,
    [property: Id(2)] string Device,
    [property: Id(3)] int Trainers,
    [property: Id(4)] int ThreadsPerTrainer,
    [property: Id(5)] long ClientGrainsActive,
    [property: Id(6)] long ClientActivations,
    [property: Id(7)] long ModelBytesFetched,
    [property: Id(8)] int ProcessId,
    [property: Id(9)] IReadOnlyList<string> Experiments,
    [property: Id(10)] string StorageKind,
    [property: Id(11)] string StorageDirectory)
{
    /// <summary>Experiments whose experiment grain (the server) is activated on this silo.</summary>
    [Id(12)] public IReadOnlyList<string> ServerOf { get; init; } = [];

    /// <summary>The silo's compute fingerprint (null from a silo of an older build).</summary>
    [Id(13)] public ComputeFingerprint? Fingerprint { get; init; }
}

/// <summary>
/// A silo's share of one round: the exact fixed-point sums of its clients' weighted updates
/// (FixedPointAccumulator state; <see cref="Sums"/> holds one little-endian long per parameter), the
/// fixed-point loss tally, and the ids of the clients it contains, so the experiment grain can count
/// every client exactly once (a partial whose ids differ from the replies it got is discarded and its
/// clients retrained).
/// </summary>
[GenerateSerializer, Immutable, Alias("Flute.PartialAggregate")]
public sealed record PartialAggregate(
    [property: Id(0)] long[] ClientIds,
    [property: Id(1)] byte[] Sums,
    [property: Id(2)] long WeightSum,
    [property: Id(3)] int FractionBits,
    [property: Id(4)] long LossSum,
    [property: Id(5)] long LossWeight,
    [property: Id(6)] long ClientGrainsActive,
    [property: Id(7)] int LossCount)
{
    /// <summary>Of <see cref="ClientIds"/>, the clients whose update was clipped (adaptive clipping's count, merged into the round tally).</summary>
    [Id(8)] public int ClippedCount { get; init; }
}
