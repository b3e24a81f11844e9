using Flute.Core.Persistence;

namespace Flute.Grains.Storage;

/// <summary>Where experiment state lives: storage.provider / --storage.</summary>
public enum StorageKind
{
    /// <summary>No persistence (benchmarks only): nothing is written, nothing can be resumed.</summary>
    None,
    /// <summary>A directory on this machine (the embedded default, <c>.flute/</c>).</summary>
    Local,
    /// <summary>Azure Blob Storage (or the Azurite emulator).</summary>
    Azure,
}

/// <summary>The storage a silo commits experiments to; one per silo.</summary>
public sealed class FluteStorageOptions
{
    /// <summary>The Orleans grain-storage provider name the experiment grain's state uses.</summary>
    public const string ProviderName = "flute";

    /// <summary>The environment variable holding the Azure Storage connection string.</summary>
    public const string AzureConnectionVariable = "FLUTE_AZURE_STORAGE";

    public StorageKind Kind { get; set; } = StorageKind.None;

    /// <summary>The local store's directory (Kind = Local).</summary>
    public string LocalDirectory { get; set; } = ".flute";

    /// <summary>The Azure Storage connection string (Kind = Azure).</summary>
    public string? AzureConnectionString { get; set; }

    /// <summary>Parses a storage.provider / --storage value.</summary>
    public static StorageKind ParseKind(string value) => value switch
    {
        "local" => StorageKind.Local,
        "azure" => StorageKind.Azure,
        "none" => StorageKind.None,
        _ => throw new ArgumentException($"--storage: expected local, azure or none, found '{value}'"),
    };

    public static string Name(StorageKind kind) => kind.ToString().ToLowerInvariant();
}

/// <summary>
/// The silo's view of its storage: the checkpoint store for large values (null when persistence is
/// off) and where it is, for messages.
/// </summary>
public sealed class FluteStore(FluteStorageOptions options, ICheckpointStore? checkpoints, string location)
{
    public FluteStorageOptions Options { get; } = options;

    /// <summary>The checkpoint store, or null when persistence is off.</summary>
    public ICheckpointStore? Checkpoints { get; } = checkpoints;

    public bool Enabled => Checkpoints is not null;

    /// <summary>"local /path/.flute", "azure http://127.0.0.1:10000/devstoreaccount1", "none".</summary>
    public string Location { get; } = location;
}
