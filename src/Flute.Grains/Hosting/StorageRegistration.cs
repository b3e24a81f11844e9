using Flute.Core.Persistence;
using Flute.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace Flute.Grains.Hosting;

/// <summary>
/// Wires the storage an experiment commits to: the Orleans grain storage named
/// <see cref="FluteStorageOptions.ProviderName"/> (the experiment grain's state) and the checkpoint
/// store for large values, both on the same backend.
/// </summary>
public static class StorageRegistration
{
    public static ISiloBuilder AddFluteStorage(this ISiloBuilder silo, FluteStorageOptions options)
    {
        IServiceCollection services = silo.Services;
        services.AddSingleton(options);
        switch (options.Kind)
        {
            case StorageKind.None:
                silo.AddMemoryGrainStorage(FluteStorageOptions.ProviderName);
                services.AddSingleton(new FluteStore(options, null, "none"));
                // Per-client state (SCAFFOLD's control variates) in this silo's memory: nothing to resume from.
                services.AddSingleton<MemoryClientStateStore>();
                services.AddSingleton<IClientStateStore>(sp => sp.GetRequiredService<MemoryClientStateStore>());
                break;
            case StorageKind.Local:
            {
                string root = Path.GetFullPath(options.LocalDirectory);
                services.AddSingleton(new FluteStore(options, new LocalCheckpointStore(root), $"local {root}"));
                services.AddGrainStorage(FluteStorageOptions.ProviderName,
                    (sp, _) => new LocalGrainStorage(root, new OrleansGrainStorageSerializer(sp.GetRequiredService<Serializer>()), sp.GetRequiredService<CrashPoints>()));
                break;
            }
            case StorageKind.Azure:
                AzureStorageRegistration.Add(silo, options);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "unknown storage kind");
        }
        if (options.Kind != StorageKind.None)
        {
            // Per-client state for algorithms that need it, on the same backend (none: the silo's memory, above).
            services.AddSingleton<IClientStateStore>(sp => new CheckpointClientStateStore(sp.GetRequiredService<FluteStore>().Checkpoints!));
        }
        return silo;
    }
}
