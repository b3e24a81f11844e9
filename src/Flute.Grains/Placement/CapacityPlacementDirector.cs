using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Flute.Grains.Hosting;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Flute.Grains.Placement;

/// <summary>
/// Resolves <see cref="CapacityPlacement"/>: among the silos compatible with the grain, picks one by
/// <see cref="WeightedRendezvous"/> over (grain, silo) with each silo's trainer count as its weight.
/// </summary>
/// <remarks>
/// <para>
/// Other silos' capacities come from Orleans silo metadata (<see cref="ISiloMetadataCache"/>), which
/// each silo publishes at start-up (<see cref="PlacementRegistration.AddFlutePlacement(ISiloBuilder)"/>).
/// A silo whose metadata is missing — it runs without Flute's registration, or the cache has not yet
/// fetched it (the cache fills asynchronously after a membership change) — counts as capacity 1. This
/// silo's own capacity is read from its <see cref="FluteSiloOptions"/>, so it never depends on the cache.
/// </para>
/// <para>
/// Hashes are stable across processes (XxHash64; never <see cref="string.GetHashCode()"/>, which is
/// randomized per process), so every silo makes the same choice for a grain while membership and
/// metadata agree. Placement only decides where a <em>new</em> activation goes; the grain directory
/// still guarantees one activation per grain if two silos ever disagree during a membership change.
/// </para>
/// </remarks>
public sealed class CapacityPlacementDirector(ISiloMetadataCache metadata, FluteSiloOptions options) : IPlacementDirector
{
    private readonly ConcurrentDictionary<SiloAddress, ulong> _siloHashes = new();

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        SiloAddress[] silos = context.GetCompatibleSilos(target);

        // Orleans' own directors honour a placement hint (set when a grain is migrated to a chosen silo);
        // an explicit migration is a deliberate override of the default spread.
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, silos) is { } hint)
            return Task.FromResult(hint);

        var candidates = new (ulong SiloHash, int Capacity)[silos.Length];
        for (int i = 0; i < silos.Length; i++)
        {
            SiloAddress silo = silos[i];
            int capacity = silo.Equals(context.LocalSilo) ? options.EffectiveTrainers : CapacityOf(metadata.GetSiloMetadata(silo).Metadata);
            candidates[i] = (_siloHashes.GetOrAdd(silo, HashSilo), capacity);
        }
        return Task.FromResult(silos[WeightedRendezvous.Pick(HashGrain(target.GrainIdentity), candidates)]);
    }

    /// <summary>The capacity a silo's metadata (<see cref="SiloMetadata.Metadata"/>) declares under <see cref="PlacementRegistration.TrainersKey"/>, or 1 when it is missing or malformed.</summary>
    public static int CapacityOf(IReadOnlyDictionary<string, string> siloMetadata)
    {
        return siloMetadata.TryGetValue(PlacementRegistration.TrainersKey, out string? text)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int trainers)
            && trainers >= 1
            ? trainers
            : 1;
    }

    /// <summary>A stable 64-bit hash of the grain's type and key bytes (for a client grain: its id and experiment).</summary>
    public static ulong HashGrain(GrainId grain)
    {
        ulong type = XxHash64.HashToUInt64(grain.Type.AsSpan());
        return XxHash64.HashToUInt64(grain.Key.AsSpan(), unchecked((long)type));
    }

    /// <summary>
    /// A stable 64-bit hash of the silo's endpoint (<c>ip:port</c>). The generation is left out on
    /// purpose: a silo restarted at the same address is the same place for the grains it held.
    /// </summary>
    public static ulong HashSilo(SiloAddress silo)
    {
        return XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(silo.Endpoint.ToString()));
    }
}
