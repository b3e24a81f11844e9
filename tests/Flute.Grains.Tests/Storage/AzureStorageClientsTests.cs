using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure;
using Azure.Storage.Blobs;
using Flute.Core.Persistence;
using Flute.Grains.Storage.Azure;

namespace Flute.Grains.Tests.Storage;

public sealed class AzureStorageClientsTests
{
    private const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("garbage")]
    [InlineData("AccountName=acct;AccountKey=not-base64!!")]
    [InlineData("BlobEndpoint=not a uri;AccountName=acct;AccountKey=c2VjcmV0")]
    public void AConnectionStringThatCannotBeParsed_IsAOneLineArgumentExceptionWithoutItsSecrets(string connectionString)
    {
        // Act
        var e = Assert.Throws<ArgumentException>(() => AzureStorageClients.ValidateConnectionString(connectionString));

        // Assert
        Assert.StartsWith("invalid Azure Storage connection string: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain("not-base64", e.Message);
        Assert.DoesNotContain("c2VjcmV0", e.Message);
        Assert.Throws<ArgumentException>(() => AzureStorageClients.CreateServiceClient(connectionString));
    }

    [Fact]
    public void AValidConnectionString_GivesItsBlobEndpoint_WithoutTheSasToken()
    {
        // Act
        Uri azurite = AzureStorageClients.ValidateConnectionString(
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevelopmentKey};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;");
        Uri sas = AzureStorageClients.ValidateConnectionString(
            "BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2024-11-04&sig=secret");

        // Assert
        Assert.Equal("http://127.0.0.1:10000/devstoreaccount1", azurite.ToString());
        Assert.Equal("https://acct.blob.core.windows.net/", sas.ToString());
    }

    [Fact]
    public void TheClientOptions_BoundRetriesAndTimeouts()
    {
        // Act
        BlobClientOptions options = AzureStorageClients.CreateOptions();

        // Assert: 4 attempts × 7 s plus backoff stays near half a minute.
        Assert.Equal(3, options.Retry.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(7), options.Retry.NetworkTimeout);
        Assert.True((options.Retry.MaxRetries + 1) * options.Retry.NetworkTimeout + 3 * options.Retry.MaxDelay <= TimeSpan.FromSeconds(35));
    }

    [Fact]
    public void TransportErrors_AreUnavailable_ButOtherAnswersAndTheCallersCancellationAreNot()
    {
        // Arrange
        var refused = new RequestFailedException(0, "Connection refused", new HttpRequestException("Connection refused (127.0.0.1:1)", new SocketException(111)));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        // Act / Assert
        Assert.True(AzureStorageClients.IsUnavailable(refused));
        Assert.True(AzureStorageClients.IsUnavailable(new AggregateException(refused, refused)));
        Assert.True(AzureStorageClients.IsUnavailable(new RequestFailedException(503, "Server busy", "ServerBusy", null)));
        Assert.True(AzureStorageClients.IsUnavailable(new RequestFailedException(403, "Forbidden", "AuthenticationFailed", null)));
        Assert.True(AzureStorageClients.IsUnavailable(new HttpRequestException("no route")));
        Assert.True(AzureStorageClients.IsUnavailable(new TaskCanceledException("timeout")));
        Assert.False(AzureStorageClients.IsUnavailable(new TaskCanceledException("cancelled"), cancelled.Token));
        Assert.False(AzureStorageClients.IsUnavailable(new RequestFailedException(404, "Not found", "BlobNotFound", null)));
        Assert.False(AzureStorageClients.IsUnavailable(new RequestFailedException(409, "Conflict", "LeaseAlreadyPresent", null)));
        Assert.False(AzureStorageClients.IsUnavailable(new InvalidOperationException()));
    }

    [Fact]
    public void Unavailable_IsOneLineNamingTheEndpointAndTheCause()
    {
        // Arrange
        var refused = new RequestFailedException(0, "Connection refused\nStatus: 0", new HttpRequestException("Connection refused (127.0.0.1:1)", new SocketException(111)));

        // Act
        StorageUnavailableException e = AzureStorageClients.Unavailable(
            new Uri("http://127.0.0.1:1/devstoreaccount1/flute-checkpoints?sig=secret"), new AggregateException(refused, refused, refused, refused));

        // Assert
        Assert.Equal(
            "storage error: cannot reach Azure Blob Storage at http://127.0.0.1:1/devstoreaccount1/flute-checkpoints: Connection refused (127.0.0.1:1), after 4 attempts",
            e.Message);
    }

    [Fact]
    public async Task AnUnreachableEndpoint_FailsEveryOperationWithStorageUnavailable_WithinBoundedTime()
    {
        // Arrange: a port that was just free, so nothing listens there.
        int port = ClosedPort();
        BlobContainerClient container = ContainerAt(port);
        var store = new AzureBlobCheckpointStore(container);
        var clock = Stopwatch.StartNew();

        // Act: all at once, each with its own retries.
        Task<StorageUnavailableException>[] failures =
        [
            Assert.ThrowsAsync<StorageUnavailableException>(() => store.PutAsync("k", new byte[] { 1 })),
            Assert.ThrowsAsync<StorageUnavailableException>(() => store.GetAsync("k")),
            Assert.ThrowsAsync<StorageUnavailableException>(() => store.ExistsAsync("k")),
            Assert.ThrowsAsync<StorageUnavailableException>(() => store.DeleteAsync("k")),
            Assert.ThrowsAsync<StorageUnavailableException>(async () => await store.ListAsync("").ToListAsync()),
            Assert.ThrowsAsync<StorageUnavailableException>(async () => await AzureExperimentLease.AcquireAsync(container, "e")),
        ];
        StorageUnavailableException[] errors = await Task.WhenAll(failures);

        // Assert
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(30));
        foreach (StorageUnavailableException e in errors)
        {
            Assert.StartsWith($"storage error: cannot reach Azure Blob Storage at http://127.0.0.1:{port}/devstoreaccount1/flute-checkpoints: ", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Fact]
    public async Task AnEndpointThatNeverAnswers_FailsWithStorageUnavailable_InAboutHalfAMinute()
    {
        // Arrange: connections are accepted (by the kernel's backlog) but no byte ever comes back.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var store = new AzureBlobCheckpointStore(ContainerAt(((IPEndPoint)silent.LocalEndpoint).Port));
        var clock = Stopwatch.StartNew();

        // Act
        var e = await Assert.ThrowsAsync<StorageUnavailableException>(() => store.ExistsAsync("k"));

        // Assert: 4 attempts of 7 s plus backoff.
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(40));
        Assert.EndsWith(": no answer within 7 s, after 4 attempts", e.Message);
    }

    [Fact]
    public async Task AServerThatIsNotAzureStorage_IsUnavailable_NotAnEmptyStore()
    {
        // Arrange: a web server that answers every request with a bare 404 (no x-ms-error-code).
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        using var stop = new CancellationTokenSource();
        Task serving = ServeBare404Async(server, stop.Token);
        var store = new AzureBlobCheckpointStore(ContainerAt(((IPEndPoint)server.LocalEndpoint).Port));

        // Act
        var get = await Assert.ThrowsAsync<StorageUnavailableException>(() => store.GetAsync("k"));
        var put = await Assert.ThrowsAsync<StorageUnavailableException>(() => store.PutAsync("k", new byte[] { 1 }));
        await stop.CancelAsync();
        await serving;

        // Assert
        Assert.EndsWith("HTTP 404 without an Azure Storage error code (is this a blob service endpoint?)", get.Message);
        Assert.EndsWith("HTTP 404 without an Azure Storage error code (is this a blob service endpoint?)", put.Message);
    }

    private static BlobContainerClient ContainerAt(int port) => AzureStorageClients.CreateContainerClient(
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevelopmentKey};BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;",
        AzureStorageNames.CheckpointContainer);

    private static async Task ServeBare404Async(TcpListener server, CancellationToken cancellationToken)
    {
        byte[] answer = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray();
        try
        {
            while (true)
            {
                using TcpClient client = await server.AcceptTcpClientAsync(cancellationToken);
                NetworkStream stream = client.GetStream();
                byte[] buffer = new byte[64 * 1024];
                _ = await stream.ReadAsync(buffer, cancellationToken);
                await stream.WriteAsync(answer, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
