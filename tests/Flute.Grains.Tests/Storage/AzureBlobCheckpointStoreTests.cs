using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Flute.Core.Persistence;
using Flute.Grains.Storage.Azure;

namespace Flute.Grains.Tests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobCheckpointStoreTests
{
    private readonly BlobContainerClient _container;
    private readonly AzureBlobCheckpointStore _store;

    public AzureBlobCheckpointStoreTests(AzuriteFixture azurite)
    {
        _container = azurite.NewContainer();
        _store = new AzureBlobCheckpointStore(_container);
    }

    [Fact]
    public async Task PutThenGet_ReturnsTheSameBytes_FromABlobNamedExactlyByTheKey()
    {
        // Arrange
        const string key = "experiments/e/rounds/000001/weights.bin";
        byte[] data = [0, 1, 2, 250, 255];

        // Act
        await _store.PutAsync(key, data);
        byte[]? read = await _store.GetAsync(key);

        // Assert
        Assert.Equal(data, read);
        Assert.True(await _store.ExistsAsync(key));
        BlobItem blob = Assert.Single(await _container.GetBlobsAsync().ToListAsync());
        Assert.Equal(key, blob.Name);
        Assert.Equal(CheckpointEnvelope.HeaderSize + data.Length, blob.Properties.ContentLength);
        Assert.Equal(_container.GetBlobClient(key).Uri.ToString(), _store.Locate(key));
        Assert.EndsWith($"/{_container.Name}/{key}", _store.Locate(key));
    }

    [Fact]
    public async Task TheStoredBytes_AreTheEnvelopeTheLocalStoreWrites()
    {
        // Arrange
        byte[] data = [9, 8, 7];

        // Act
        await _store.PutAsync("k", data);
        BinaryData raw = (await _container.GetBlobClient("k").DownloadContentAsync()).Value.Content;

        // Assert
        Assert.Equal(CheckpointEnvelope.Seal(data), raw.ToArray());
    }

    [Fact]
    public async Task AnEmptyBlob_RoundTrips()
    {
        // Act
        await _store.PutAsync("empty", ReadOnlyMemory<byte>.Empty);
        byte[]? read = await _store.GetAsync("empty");

        // Assert
        Assert.NotNull(read);
        Assert.Empty(read);
    }

    [Fact]
    public async Task ABlobLargerThanOneTransfer_RoundTrips()
    {
        // Arrange: 9 MiB, uploaded as several blocks and committed at once.
        byte[] data = new byte[9 * 1024 * 1024 + 13];
        new Random(42).NextBytes(data);

        // Act
        await _store.PutAsync("experiments/e/rounds/000001/weights.bin", data);
        byte[]? read = await _store.GetAsync("experiments/e/rounds/000001/weights.bin");

        // Assert
        Assert.Equal(data, read);
    }

    [Fact]
    public async Task BeforeTheFirstPut_TheMissingContainerReadsAsEmpty_AndThePutCreatesIt()
    {
        // Act / Assert: nothing exists yet, not even the container.
        Assert.False(await _container.ExistsAsync());
        Assert.Null(await _store.GetAsync("a/b"));
        Assert.False(await _store.ExistsAsync("a/b"));
        Assert.Empty(await _store.ListAsync("").ToListAsync());
        await _store.DeleteAsync("a/b");

        await _store.PutAsync("a/b", new byte[] { 1 });

        Assert.True(await _container.ExistsAsync());
        Assert.Equal([1], await _store.GetAsync("a/b"));
    }

    [Fact]
    public async Task Get_OfAnAbsentKey_IsNull()
    {
        // Arrange
        await _store.PutAsync("a/b/c", new byte[] { 1 });

        // Act / Assert
        Assert.Null(await _store.GetAsync("a/b/missing"));
        Assert.Null(await _store.GetAsync("a/b"));
        Assert.False(await _store.ExistsAsync("a/b/missing"));
    }

    [Fact]
    public async Task Put_ReplacesTheBlob()
    {
        // Arrange
        await _store.PutAsync("k", new byte[] { 1, 2, 3 });

        // Act
        await _store.PutAsync("k", new byte[] { 4 });

        // Assert
        Assert.Equal([4], await _store.GetAsync("k"));
        Assert.Equal(["k"], (await _container.GetBlobsAsync().ToListAsync()).Select(b => b.Name));
    }

    [Fact]
    public async Task AGarbageBlob_IsABadHeaderNamingTheKeyAndTheBlob()
    {
        // Arrange: written around the store, straight through the SDK.
        const string key = "experiments/e/rounds/000002/weights.bin";
        await _container.CreateAsync();
        await _container.GetBlobClient(key).UploadAsync(BinaryData.FromString("not a checkpoint, but long enough to hold a 48-byte header"));

        // Act
        var e = await Assert.ThrowsAsync<CorruptCheckpointException>(() => _store.GetAsync(key));

        // Assert
        Assert.Equal(CheckpointCorruption.BadHeader, e.Kind);
        Assert.Equal(key, e.Key);
        Assert.Equal(_store.Locate(key), e.Location);
        Assert.Contains(key, e.Message);
        Assert.Contains(_store.Locate(key), e.Message);
        Assert.Contains("bad header", e.Message);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(60)]
    public async Task ATruncatedBlob_IsReportedAsTruncated(int keptBytes)
    {
        // Arrange: the first bytes of a valid 100-byte checkpoint (inside the header, or inside the content).
        const string key = "experiments/e/rounds/000003/weights.bin";
        byte[] sealedBlob = CheckpointEnvelope.Seal(new byte[100]);
        await _container.CreateAsync();
        await _container.GetBlobClient(key).UploadAsync(BinaryData.FromBytes(sealedBlob.AsMemory(0, keptBytes)));

        // Act
        var e = await Assert.ThrowsAsync<CorruptCheckpointException>(() => _store.GetAsync(key));

        // Assert
        Assert.Equal(CheckpointCorruption.Truncated, e.Kind);
        Assert.Contains(key, e.Message);
        Assert.Contains(_store.Locate(key), e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public async Task AFlippedContentByte_IsAChecksumMismatch()
    {
        // Arrange
        await _store.PutAsync("m", new byte[] { 10, 20, 30 });
        BlobClient blob = _container.GetBlobClient("m");
        byte[] raw = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        raw[^2] ^= 1;
        await blob.UploadAsync(BinaryData.FromBytes(raw), overwrite: true);

        // Act
        var e = await Assert.ThrowsAsync<CorruptCheckpointException>(() => _store.GetAsync("m"));

        // Assert
        Assert.Equal(CheckpointCorruption.ChecksumMismatch, e.Kind);
        Assert.Contains("checksum mismatch", e.Message);
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("/tmp/abs")]
    [InlineData("a\\b")]
    [InlineData("experiments/e/lock")]
    [InlineData("x.tmp")]
    public async Task InvalidKeys_AreRejectedByEveryOperation(string key)
    {
        // Act / Assert
        var put = await Assert.ThrowsAsync<ArgumentException>(() => _store.PutAsync(key, new byte[] { 1 }));
        Assert.Contains(key, put.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => _store.GetAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.ExistsAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.DeleteAsync(key));
        Assert.Throws<ArgumentException>(() => _store.Locate(key));
        Assert.False(await _container.ExistsAsync());
    }

    [Fact]
    public async Task List_FiltersByPrefixAndSkipsTheLockBlob()
    {
        // Arrange
        await _store.PutAsync("experiments/e/rounds/000001/weights.bin", new byte[] { 1 });
        await _store.PutAsync("experiments/e/rounds/000002/weights.bin", new byte[] { 2 });
        await _store.PutAsync("experiments/e/clients/42/residual.bin", new byte[] { 4 });
        await _store.PutAsync("experiments/f/checkpoint", new byte[] { 3 });
        await using AzureExperimentLease held = await AzureExperimentLease.AcquireAsync(_container, "e");

        // Act
        List<string> all = await _store.ListAsync("").ToListAsync();
        List<string> e = await _store.ListAsync("experiments/e/").ToListAsync();
        List<string> rounds = await _store.ListAsync("experiments/e/rounds/000002").ToListAsync();
        List<string> clients = await _store.ListAsync("experiments/e/clients/4").ToListAsync();
        List<string> none = await _store.ListAsync("nothing/here/").ToListAsync();

        // Assert
        Assert.Contains("experiments/e/lock", (await _container.GetBlobsAsync().ToListAsync()).Select(b => b.Name));
        Assert.Equal(
            ["experiments/e/clients/42/residual.bin", "experiments/e/rounds/000001/weights.bin", "experiments/e/rounds/000002/weights.bin", "experiments/f/checkpoint"],
            all.Order(StringComparer.Ordinal));
        Assert.Equal(
            ["experiments/e/clients/42/residual.bin", "experiments/e/rounds/000001/weights.bin", "experiments/e/rounds/000002/weights.bin"],
            e.Order(StringComparer.Ordinal));
        Assert.Equal(["experiments/e/rounds/000002/weights.bin"], rounds);
        Assert.Equal(["experiments/e/clients/42/residual.bin"], clients);
        Assert.Empty(none);
    }

    [Fact]
    public async Task List_RejectsAnInvalidPrefix()
    {
        // Act / Assert
        Assert.Throws<ArgumentException>(() => _store.ListAsync("../x"));
        Assert.Throws<ArgumentException>(() => _store.ListAsync("/abs"));
    }

    [Fact]
    public async Task Delete_RemovesTheBlobAndIgnoresAMissingOne()
    {
        // Arrange
        await _store.PutAsync("experiments/e/rounds/000001/weights.bin", new byte[] { 1 });
        await _store.PutAsync("experiments/e/checkpoint", new byte[] { 2 });

        // Act
        await _store.DeleteAsync("experiments/e/rounds/000001/weights.bin");
        await _store.DeleteAsync("experiments/e/rounds/000001/weights.bin");

        // Assert
        Assert.Null(await _store.GetAsync("experiments/e/rounds/000001/weights.bin"));
        Assert.False(await _store.ExistsAsync("experiments/e/rounds/000001/weights.bin"));
        Assert.Equal(["experiments/e/checkpoint"], await _store.ListAsync("").ToListAsync());
    }

    [Fact]
    public async Task TheCheckpointWriter_CommitsLoadsAndPrunesThroughTheAzureStore()
    {
        // Arrange: the writer keeps the last two rounds.
        var writer = new CheckpointWriter(_store);

        // Act
        for (int round = 1; round <= 3; round++)
        {
            await writer.WriteAsync(Snapshot(round));
        }
        LoadedCheckpoint? loaded = await writer.LoadLatestAsync("e");
        IReadOnlyList<int> rounds = await writer.ListRoundsAsync("e");

        // Assert
        Assert.NotNull(loaded);
        Assert.Equal(3, loaded.Record.RoundCompleted);
        Assert.Equal([3f, 3f, 3f], loaded.Weights);
        Assert.Equal([2, 3], rounds.Order());
        Assert.NotNull(await new CheckpointWriter(_store).LoadRoundAsync("e", 2));
    }

    private static RoundSnapshot Snapshot(int round) => new(
        "e", round, round * 10L, CheckpointStatus.Running, "{\"rounds\":10}", "test-build",
        [round, round, round], [[round, round], [-round]], new byte[] { (byte)round },
        null, new DateTime(2025, 6, 1, 0, 0, round, DateTimeKind.Utc));
}
