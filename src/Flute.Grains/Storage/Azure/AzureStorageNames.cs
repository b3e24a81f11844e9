namespace Flute.Grains.Storage.Azure;

/// <summary>The names Flute uses in an Azure Storage account (docs/storage-azure.md).</summary>
public static class AzureStorageNames
{
    /// <summary>The blob container of Orleans grain state (small: references into the checkpoint container).</summary>
    public const string GrainStateContainer = "flute-grainstate";

    /// <summary>The blob container of checkpoint blobs and experiment leases (<see cref="AzureBlobCheckpointStore"/>).</summary>
    public const string CheckpointContainer = "flute-checkpoints";
}
