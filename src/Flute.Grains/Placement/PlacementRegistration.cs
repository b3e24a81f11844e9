using System.Globalization;
using Flute.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Flute.Grains.Placement;

/// <summary>
/// Registers capacity-weighted placement (<see cref="CapacityPlacement"/>) on a silo and publishes
/// the silo's capacity to the cluster as Orleans silo metadata.
/// </summary>
/// <remarks>
/// Why silo metadata: it is Orleans' own channel for per-silo facts (Orleans 9.2+, public in 10), it
/// is read through a local cache (<see cref="ISiloMetadataCache"/>) so a placement decision makes no
/// remote call, and the cache follows membership, dropping silos that die. Encoding the trainer count in
/// the silo name would also work but overloads a name operators read in logs and dashboards, and
/// would need parsing rules of its own.
/// </remarks>
public static class PlacementRegistration
{
    /// <summary>Metadata key: the silo's trainer count (<see cref="FluteSiloOptions.EffectiveTrainers"/>), its placement weight.</summary>
    public const string TrainersKey = "flute.trainers";

    /// <summary>Metadata key: the silo's trainer device (<see cref="FluteSiloOptions.Device"/>), e.g. <c>cpu</c> or <c>cuda:0</c>.</summary>
    public const string DeviceKey = "flute.device";

    /// <summary>
    /// Registers <see cref="CapacityPlacementDirector"/> and publishes this silo's
    /// <see cref="TrainersKey"/> and <see cref="DeviceKey"/> from the <see cref="FluteSiloOptions"/>
    /// already registered (by <c>AddFlute</c>, or directly as a singleton instance). Calling it twice
    /// registers once.
    /// </summary>
    /// <remarks>
    /// This turns on Orleans silo metadata (<c>UseSiloMetadata</c>), which must be turned on once per
    /// silo: do not call <c>UseSiloMetadata</c> elsewhere on the same silo.
    /// </remarks>
    /// <exception cref="InvalidOperationException">No <see cref="FluteSiloOptions"/> instance is registered yet.</exception>
    public static ISiloBuilder AddFlutePlacement(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (silo.Services.Any(d => d.ServiceType == typeof(Registered))) return silo;

        var options = silo.Services
            .LastOrDefault(d => d.ServiceType == typeof(FluteSiloOptions) && !d.IsKeyedService)
            ?.ImplementationInstance as FluteSiloOptions
            ?? throw new InvalidOperationException(
                "AddFlutePlacement publishes this silo's trainer count from FluteSiloOptions: register the options first (AddFlute does), as a singleton instance");

        silo.UseSiloMetadata(new Dictionary<string, string>
        {
            [TrainersKey] = options.EffectiveTrainers.ToString(CultureInfo.InvariantCulture),
            [DeviceKey] = options.Device,
        });
        silo.Services.AddPlacementDirector<CapacityPlacement, CapacityPlacementDirector>();
        silo.Services.AddSingleton<Registered>();
        return silo;
    }

    /// <summary>Marks a service collection that already has the registration.</summary>
    private sealed class Registered;
}
