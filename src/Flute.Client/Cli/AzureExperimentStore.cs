using Azure;
using Azure.Storage.Blobs;
using Flute.Core.Persistence;
using Flute.Grains.Hosting;
using Flute.Grains.Storage;
using Flute.Grains.Storage.Azure;

namespace Flute.Client.Cli;

/// <summary>An Azure Storage account (or Azurite): experiment state as Orleans' blob grain storage wrote it, checkpoints, leases.</summary>
public sealed class AzureExperimentStore : ExperimentStore
{
    private readonly AzureBlobCheckpointStore _checkpoints;
    private readonly BlobContainerClient _states;
    private readonly Uri _endpoint;

    private AzureExperimentStore(string connectionString)
    {
        try
        {
            _endpoint = AzureStorageClients.ValidateConnectionString(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--azure-connection: {e.Message}");
        }
        _checkpoints = new AzureBlobCheckpointStore(AzureStorageClients.CreateContainerClient(connectionString, AzureStorageNames.CheckpointContainer));
        _states = AzureStorageClients.CreateContainerClient(connectionString, AzureStorageNames.GrainStateContainer);
    }

    public static ExperimentStore Open(string connectionString) => new AzureExperimentStore(connectionString);

    public override ICheckpointStore Checkpoints => _checkpoints;

    public override string Location => $"azure {_endpoint}";

    public override async Task<ExperimentState?> ReadStateAsync(string experimentId)
    {
        BlobClient blob = _states.GetBlobClient(BlobName(experimentId));
        BinaryData content;
        try
        {
            content = (await blob.DownloadContentAsync()).Value.Content;
        }
        catch (RequestFailedException e) when (AzureStorageClients.IsNotFound(e))
        {
            return null;
        }
        catch (Exception e) when (AzureStorageClients.IsUnavailable(e))
        {
            throw AzureStorageClients.Unavailable(_endpoint, e);
        }
        var serializer = new FluteGrainStateSerializer(StateSerializer, $"experiment state {AzureStorageClients.Describe(blob.Uri)}");
        return serializer.Deserialize<ExperimentState>(content);
    }

    public override string LocateState(string experimentId) =>
        AzureStorageClients.Describe(_states.GetBlobClient(BlobName(experimentId)).Uri).ToString();

    public override async Task<IExperimentLock> AcquireLockAsync(string experimentId, Action<string>? progress = null) =>
        await AzureExperimentLease.AcquireAsync(_checkpoints.Container, experimentId, progress: progress);

    private static string BlobName(string experimentId) =>
        AzureStorageRegistration.StateBlobName(StateName, GrainId.Create("experiment", experimentId));
}
