using Flute.Grains.Hosting;
using Flute.Grains.Placement;
using Flute.Grains.Runtime;
using Flute.Grains.Storage;
using Flute.Interfaces;
using Microsoft.Extensions.DependencyInjection;

namespace Flute.Grains.Grains;

/// <summary>
/// This silo's agent (key: its address): what the silo is, and the partial aggregates its client
/// grains folded. Placed on the silo it names (<see cref="SiloTargetedPlacement"/>).
/// </summary>
[SiloTargetedPlacement]
public sealed class SiloAgentGrain(
    ILocalSiloDetails silo,
    FluteSiloOptions options,
    ClientActivity activity,
    ModelCache models,
    PartialAggregates partials,
    ExperimentContextCache contexts,
    FluteStore store) : Grain, ISiloAgentGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Placement makes this impossible short of a bug; if it happened, answering would hand
        // another silo's partials to the experiment grain under this silo's name.
        if (this.GetPrimaryKeyString() != silo.SiloAddress.ToParsableString())
            throw new InvalidOperationException($"silo agent {this.GetPrimaryKeyString()} activated on {silo.SiloAddress}");
        return Task.CompletedTask;
    }

    public Task<SiloInfo> GetInfoAsync() => Task.FromResult(new SiloInfo(
        silo.SiloAddress.ToParsableString(),
        silo.Name,
        options.Device,
        options.EffectiveTrainers,
        options.ThreadsPerTrainer,
        activity.Alive,
        activity.Activated,
        models.BytesFetched,
        Environment.ProcessId,
        contexts.ExperimentIds,
        FluteStorageOptions.Name(store.Options.Kind),
        store.Options.Kind == StorageKind.Local ? Path.GetFullPath(store.Options.LocalDirectory) : "")
    {
        ServerOf = activity.Servers,
        Fingerprint = ComputeFingerprints.Current(options.EffectiveTrainers, options.ThreadsPerTrainer),
    });

    public Task ReleaseAsync(string experimentId)
    {
        contexts.Remove(experimentId);
        models.Remove(experimentId);
        partials.Remove(experimentId);
        ServiceProvider.GetService<MemoryClientStateStore>()?.Remove(experimentId);
        return Task.CompletedTask;
    }

    public Task<PartialAggregate?> TakePartialAsync(string experimentId, int round, long modelVersion) =>
        Task.FromResult(partials.Take(experimentId, round, modelVersion, activity.AliveOf(experimentId)));
}
