using Orleans.Placement;

namespace Flute.Grains.Placement;

/// <summary>
/// Spreads a grain type across the cluster's silos in proportion to each silo's trainer capacity
/// (a silo with two trainers gets about twice the grains of one with one), deterministically per
/// grain while membership is unchanged. Resolved by <see cref="CapacityPlacementDirector"/>;
/// registered by <see cref="PlacementRegistration.AddFlutePlacement(ISiloBuilder)"/>.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("Flute.CapacityPlacement")]
public sealed class CapacityPlacement : PlacementStrategy
{
    public static CapacityPlacement Instance { get; } = new();
}

/// <summary>Marks a grain class for <see cref="CapacityPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class CapacityPlacementAttribute() : PlacementAttribute(CapacityPlacement.Instance);
