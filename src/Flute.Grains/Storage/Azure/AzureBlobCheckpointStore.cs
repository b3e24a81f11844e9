using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Flute.Core.Persistence;

namespace Flute.Grains.Storage.Azure;

/// <summary>
/// An <see cref="ICheckpointStore"/> on one Azure blob container (docs/storage-azure.md). A key is
/// the blob's name exactly; every blob carries the <see cref="CheckpointEnvelope"/> header and is
/// verified on read. A put is one upload that replaces the blob when it commits (a block blob's
/// content changes atomically, also when the SDK uploads it in several blocks), so a reader sees the
/// old bytes or the new. The container is created on the first put that finds it missing.
/// Unreachable storage surfaces as <see cref="StorageUnavailableException"/>.
/// </summary>
public sealed class AzureBlobCheckpointStore : ICheckpointStore
{
    // One request per block of at most 4 MiB, so each attempt fits the client's network timeout
    // even on a slow uplink; larger blobs are staged block by block and committed at once.
    private const int TransferSize = 4 * 1024 * 1024;

    // A blob replaced while being read fails the SDK's ETag check on a resumed range read: read again.
    private const int MaxGetAttempts = 3;

    private static readonly StorageTransferOptions s_transfer = new()
    {
        InitialTransferSize = TransferSize,
        MaximumTransferSize = TransferSize,
    };

    /// <summary>Stores blobs in <paramref name="container"/> (see <see cref="AzureStorageClients"/> for a client with bounded retries).</summary>
    public AzureBlobCheckpointStore(BlobContainerClient container)
    {
        ArgumentNullException.ThrowIfNull(container);
        Container = container;
        Endpoint = AzureStorageClients.Describe(container.Uri);
    }

    /// <summary>The container the blobs live in.</summary>
    public BlobContainerClient Container { get; }

    /// <summary>The container's address (without any SAS query), for messages.</summary>
    public Uri Endpoint { get; }

    /// <inheritdoc />
    public string Locate(string key) => AzureStorageClients.Describe(BlobOf(key).Uri).ToString();

    /// <inheritdoc />
    public async Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        BlobClient blob = BlobOf(key);
        var content = BinaryData.FromBytes(CheckpointEnvelope.Seal(data.Span));
        var options = new BlobUploadOptions { TransferOptions = s_transfer };
        try
        {
            try
            {
                await blob.UploadAsync(content, options, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                await blob.UploadAsync(content, options, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (AzureStorageClients.IsUnavailable(e, cancellationToken))
        {
            throw AzureStorageClients.Unavailable(Endpoint, e);
        }
    }

    /// <inheritdoc />
    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobClient blob = BlobOf(key);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await ReadAsync(blob, key, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (AzureStorageClients.IsNotFound(e))
            {
                return null;
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < MaxGetAttempts)
            {
                // Replaced by a put while this read was resuming: the next read sees the new blob.
            }
            catch (Exception e) when (AzureStorageClients.IsUnavailable(e, cancellationToken))
            {
                throw AzureStorageClients.Unavailable(Endpoint, e);
            }
        }
    }

    /// <inheritdoc />
    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobClient blob = BlobOf(key);
        try
        {
            return await blob.ExistsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (AzureStorageClients.IsUnavailable(e, cancellationToken))
        {
            throw AzureStorageClients.Unavailable(Endpoint, e);
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        CheckpointKeys.ValidatePrefix(prefix);
        return ListValidatedAsync(prefix, cancellationToken);
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobClient blob = BlobOf(key);
        try
        {
            // False (not an error) when the blob or the whole container is missing.
            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (AzureStorageClients.IsUnavailable(e, cancellationToken))
        {
            throw AzureStorageClients.Unavailable(Endpoint, e);
        }
    }

    private BlobClient BlobOf(string key)
    {
        CheckpointKeys.Validate(key);
        return Container.GetBlobClient(key);
    }

    // Streams the blob: header first, then exactly the content length it declares (one allocation).
    private async Task<byte[]> ReadAsync(BlobClient blob, string key, CancellationToken cancellationToken)
    {
        string location = Locate(key);
        var response = await blob.DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        using BlobDownloadStreamingResult download = response.Value;
        long blobLength = download.Details.ContentLength;
        Stream stream = download.Content;
        byte[] header = new byte[CheckpointEnvelope.HeaderSize];
        int headerBytes = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        byte[] expected = new byte[SHA256.HashSizeInBytes];
        long length = CheckpointEnvelope.ReadHeader(header.AsSpan(0, headerBytes), blobLength, expected, key, location);
        byte[] content = new byte[length];
        int read = await stream.ReadAtLeastAsync(content, content.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read < content.Length)
        {
            throw new CorruptCheckpointException(key, location, CheckpointCorruption.Truncated,
                $"the header says {length} content bytes, {read} could be read");
        }
        CheckpointEnvelope.VerifyContent(content, expected, key, location);
        return content;
    }

    private async IAsyncEnumerable<string> ListValidatedAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var options = new GetBlobsOptions { Prefix = prefix.Length == 0 ? null : prefix };
        await using IAsyncEnumerator<BlobItem> items = Container.GetBlobsAsync(options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await items.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                yield break;
            }
            catch (Exception e) when (AzureStorageClients.IsUnavailable(e, cancellationToken))
            {
                throw AzureStorageClients.Unavailable(Endpoint, e);
            }
            string name = items.Current.Name;
            if (IsKey(name))
            {
                yield return name;
            }
        }
    }

    // Lock blobs (experiments/<id>/lock) hold leases, not checkpoints; like the local store, never list them.
    private static bool IsKey(string name) =>
        name.Split('/') is not ["experiments", _, CheckpointKeys.LockName]
        && !name.EndsWith(CheckpointKeys.TempSuffix, StringComparison.Ordinal);
}
