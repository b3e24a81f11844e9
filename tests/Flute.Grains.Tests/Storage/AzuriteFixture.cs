using Azure.Storage.Blobs;
using Flute.Grains.Storage.Azure;
using Flute.Tests.Shared;

namespace Flute.Grains.Tests.Storage;

/// <summary>
/// One Azurite for the storage tests: the one named by FLUTE_TEST_AZURITE (./test.sh starts it), else
/// its own, started through deploy/azurite.sh and stopped when the collection ends. Each test takes a
/// fresh container, so tests never see each other's blobs.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private string? _stateDirectory;

    /// <summary>The emulator's connection string.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>A service client with Flute's bounded retries.</summary>
    public BlobServiceClient Service { get; private set; } = null!;

    public Task InitializeAsync()
    {
        string? existing = Azurite.FromEnvironment();
        if (existing is null)
        {
            _stateDirectory = Directory.CreateTempSubdirectory("flute-azurite-test-").FullName;
            existing = Azurite.Start(_stateDirectory);
        }
        ConnectionString = existing;
        Service = AzureStorageClients.CreateServiceClient(ConnectionString);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        if (_stateDirectory is not null)
        {
            try
            {
                Azurite.Stop(_stateDirectory);
            }
            finally
            {
                Directory.Delete(_stateDirectory, recursive: true);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>A client for a new, uniquely named container (not created: the code under test creates it).</summary>
    public BlobContainerClient NewContainer() => Service.GetBlobContainerClient($"t-{Guid.NewGuid():N}");
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
