using Flute.Core.Persistence;
using Flute.Grains.Storage;
using Flute.Grains.Storage.Azure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace Flute.Grains.Hosting;

/// <summary>
/// The azure backend: Orleans' own Azure Blob grain storage (container <see cref="AzureStorageNames.GrainStateContainer"/>)
/// holds the experiment grain's state, sealed in Flute's checksummed envelope; the checkpoint blobs go to
/// <see cref="AzureStorageNames.CheckpointContainer"/> in the same account.
/// </summary>
public static class AzureStorageRegistration
{
    public static void Add(ISiloBuilder silo, FluteStorageOptions options)
    {
        string connection = options.AzureConnectionString
            ?? throw new ArgumentException($"azure storage needs a connection string (--azure-connection or {FluteStorageOptions.AzureConnectionVariable})");
        Uri endpoint = AzureStorageClients.ValidateConnectionString(connection);
        var checkpoints = new AzureBlobCheckpointStore(AzureStorageClients.CreateContainerClient(connection, AzureStorageNames.CheckpointContainer));
        silo.Services.AddSingleton(new FluteStore(options, checkpoints, $"azure {endpoint}"));
        silo.AddAzureBlobGrainStorage(FluteStorageOptions.ProviderName, builder => builder.Configure<Serializer, CrashPoints>((blob, serializer, crashPoints) =>
        {
            blob.BlobServiceClient = AzureStorageClients.CreateServiceClient(connection);
            blob.ContainerName = AzureStorageNames.GrainStateContainer;
            blob.GrainStorageSerializer = StateSerializer(serializer, crashPoints);
        }));
    }

    /// <summary>The serializer of experiment state blobs (also used by the CLI to read them without a silo).</summary>
    public static IGrainStorageSerializer StateSerializer(Serializer serializer, CrashPoints? crashPoints = null) =>
        new FluteGrainStateSerializer(new OrleansGrainStorageSerializer(serializer), "experiment state", crashPoints);

    /// <summary>The blob Orleans' Azure Blob grain storage keeps a grain's state in: "{state name}-{grain id}.json".</summary>
    public static string StateBlobName(string stateName, GrainId grainId) => $"{stateName}-{grainId}.json";
}
