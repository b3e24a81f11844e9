using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Flute.Grains.Placement;

/// <summary>
/// Places a grain on the silo its string key names (<c>SiloAddress.ToParsableString()</c>): one
/// per-silo agent per silo. If that silo has left the cluster, activation fails rather than landing
/// on another silo, so a caller never mistakes another silo's state for the one it asked for.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("Flute.SiloTargetedPlacement")]
public sealed class SiloTargetedPlacement : PlacementStrategy
{
    public static SiloTargetedPlacement Instance { get; } = new();
}

/// <summary>Marks a grain class (keyed by a silo address) for <see cref="SiloTargetedPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloTargetedPlacementAttribute() : PlacementAttribute(SiloTargetedPlacement.Instance);

/// <summary>Resolves <see cref="SiloTargetedPlacement"/>: the key's silo, if it is an active member.</summary>
public sealed class SiloTargetedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string key = target.GrainIdentity.Key.ToString()!;
        SiloAddress wanted;
        try
        {
            wanted = SiloAddress.FromParsableString(key);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException)
        {
            throw new ArgumentException($"'{key}' is not a silo address", e);
        }
        foreach (SiloAddress silo in context.GetCompatibleSilos(target))
            if (silo.Equals(wanted)) return Task.FromResult(silo);
        throw new SiloUnavailableException($"silo {key} is not an active member of the cluster");
    }
}
