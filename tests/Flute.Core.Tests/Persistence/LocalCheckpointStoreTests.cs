using Flute.Core.Persistence;

namespace Flute.Core.Tests.Persistence;

public sealed class LocalCheckpointStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly LocalCheckpointStore _store;

    public LocalCheckpointStoreTests()
    {
        _store = new LocalCheckpointStore(_dir.Path);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task PutThenGet_ReturnsTheSameBytes()
    {
        // Arrange
        byte[] data = [0, 1, 2, 250, 255];

        // Act
        await _store.PutAsync("experiments/e/rounds/000001/weights.bin", data);
        byte[]? read = await _store.GetAsync("experiments/e/rounds/000001/weights.bin");

        // Assert
        Assert.Equal(data, read);
        Assert.True(await _store.ExistsAsync("experiments/e/rounds/000001/weights.bin"));
        Assert.Equal(48 + 5, new FileInfo(Path.Combine(_dir.Path, "experiments", "e", "rounds", "000001", "weights.bin")).Length);
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
    public async Task Get_OfAnAbsentKeyOrADirectory_IsNull()
    {
        // Arrange
        await _store.PutAsync("a/b/c", new byte[] { 1 });

        // Act / Assert
        Assert.Null(await _store.GetAsync("a/b/missing"));
        Assert.Null(await _store.GetAsync("nowhere/at/all"));
        Assert.Null(await _store.GetAsync("a/b"));
        Assert.False(await _store.ExistsAsync("a/b/missing"));
    }

    [Fact]
    public async Task Put_ReplacesTheBlobAndLeavesNoTempFile()
    {
        // Arrange
        await _store.PutAsync("k", new byte[] { 1, 2, 3 });

        // Act
        await _store.PutAsync("k", new byte[] { 4 });

        // Assert
        Assert.Equal([4], await _store.GetAsync("k"));
        Assert.Equal([Path.Combine(_dir.Path, "k")], Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public async Task ALeftoverTempFile_IsIgnoredByGetAndListAndRemovedByCleanup()
    {
        // Arrange: a crash after writing the temp file and before the rename.
        await _store.PutAsync("x/k", new byte[] { 1 });
        string temp = Path.Combine(_dir.Path, "x", "k.4242.7.tmp");
        File.WriteAllBytes(temp, CheckpointEnvelope.Seal([2, 2]));

        // Act
        byte[]? read = await _store.GetAsync("x/k");
        List<string> keys = await _store.ListAsync("").ToListAsync();
        int cleaned = _store.CleanupTempFiles();

        // Assert
        Assert.Equal([1], read);
        Assert.Equal(["x/k"], keys);
        Assert.Equal(1, cleaned);
        Assert.False(File.Exists(temp));
        Assert.True(File.Exists(Path.Combine(_dir.Path, "x", "k")));
    }

    [Fact]
    public void CleanupTempFiles_SparesTempFilesYoungerThanTheMinimumAge()
    {
        // Arrange
        string temp = Path.Combine(_dir.Path, "k.1.1.tmp");
        File.WriteAllBytes(temp, [1]);

        // Act
        int cleaned = _store.CleanupTempFiles(TimeSpan.FromHours(1));

        // Assert
        Assert.Equal(0, cleaned);
        Assert.True(File.Exists(temp));
    }

    [Fact]
    public async Task ATruncatedFile_IsReportedWithItsKeyAndPath()
    {
        // Arrange
        await _store.PutAsync("experiments/e/rounds/000003/weights.bin", new byte[100]);
        string path = _store.PathOf("experiments/e/rounds/000003/weights.bin");
        using (var stream = new FileStream(path, FileMode.Open))
        {
            stream.SetLength(120);
        }

        // Act
        var e = await Assert.ThrowsAsync<CorruptCheckpointException>(() => _store.GetAsync("experiments/e/rounds/000003/weights.bin"));

        // Assert
        Assert.Equal(CheckpointCorruption.Truncated, e.Kind);
        Assert.Contains(path, e.Message);
        Assert.Contains("experiments/e/rounds/000003/weights.bin", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public async Task AFlippedContentByte_IsAChecksumMismatchNamingTheFile()
    {
        // Arrange
        await _store.PutAsync("m", new byte[] { 10, 20, 30 });
        string path = _store.PathOf("m");
        byte[] raw = File.ReadAllBytes(path);
        raw[^2] ^= 1;
        File.WriteAllBytes(path, raw);

        // Act
        var e = await Assert.ThrowsAsync<CorruptCheckpointException>(() => _store.GetAsync("m"));

        // Assert
        Assert.Equal(CheckpointCorruption.ChecksumMismatch, e.Kind);
        Assert.Contains($"(file {path})", e.Message);
        Assert.Contains("checksum mismatch", e.Message);
    }

    [Fact]
    public async Task AFileWithoutAHeader_IsABadHeader()
    {
        // Arrange
        string path = _store.PathOf("plain");
        File.WriteAllText(path, "not a checkpoint, but long enough to hold a header of forty-eight bytes");

        // Act
        var e = await Assert.ThrowsAsync<CorruptCheckpointException>(() => _store.GetAsync("plain"));

        // Assert
        Assert.Equal(CheckpointCorruption.BadHeader, e.Kind);
        Assert.Contains("bad header", e.Message);
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("/tmp/abs")]
    [InlineData("a\\b")]
    public async Task UnsafeKeys_AreRejectedByEveryOperation(string key)
    {
        // Act / Assert
        var put = await Assert.ThrowsAsync<ArgumentException>(() => _store.PutAsync(key, new byte[] { 1 }));
        Assert.Contains(key, put.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => _store.GetAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.DeleteAsync(key));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }

    [Fact]
    public void ClientKeys_AreShardedByTheFirstTwoBytesOfTheIdsSha256()
    {
        // Arrange: SHA-256("42") = 73475cb4..., so the shards are 73 and 47.
        string expected = Path.Combine(_dir.Path, "experiments", "e", "clients", "73", "47", "42", "residual.bin");

        // Act
        string path = _store.PathOf("experiments/e/clients/42/residual.bin");
        string topLevel = _store.PathOf("clients/42");

        // Assert
        Assert.Equal(expected, path);
        Assert.Equal(Path.Combine(_dir.Path, "clients", "73", "47", "42"), topLevel);
        Assert.Equal(("73", "47"), LocalCheckpointStore.ShardsOf("42"));
    }

    [Fact]
    public async Task ShardedKeys_RoundTripAndListUnsharded()
    {
        // Arrange
        await _store.PutAsync("experiments/e/clients/42/residual.bin", new byte[] { 4, 2 });
        await _store.PutAsync("experiments/e/clients/7/residual.bin", new byte[] { 7 });
        await _store.PutAsync("experiments/e/checkpoint", new byte[] { 0 });
        await _store.PutAsync("clients/42", new byte[] { 1 });

        // Act
        List<string> all = await _store.ListAsync("").ToListAsync();
        List<string> clients = await _store.ListAsync("experiments/e/clients/").ToListAsync();
        List<string> one = await _store.ListAsync("experiments/e/clients/42/").ToListAsync();
        List<string> partial = await _store.ListAsync("experiments/e/clients/4").ToListAsync();

        // Assert
        Assert.Equal([4, 2], await _store.GetAsync("experiments/e/clients/42/residual.bin"));
        Assert.Equal(
            ["clients/42", "experiments/e/checkpoint", "experiments/e/clients/42/residual.bin", "experiments/e/clients/7/residual.bin"],
            all.Order(StringComparer.Ordinal));
        Assert.Equal(["experiments/e/clients/42/residual.bin", "experiments/e/clients/7/residual.bin"], clients.Order(StringComparer.Ordinal));
        Assert.Equal(["experiments/e/clients/42/residual.bin"], one);
        Assert.Equal(["experiments/e/clients/42/residual.bin"], partial);
    }

    [Fact]
    public async Task List_FiltersByPrefixAndSkipsTheLockFile()
    {
        // Arrange
        await _store.PutAsync("experiments/e/rounds/000001/weights.bin", new byte[] { 1 });
        await _store.PutAsync("experiments/e/rounds/000002/weights.bin", new byte[] { 2 });
        await _store.PutAsync("experiments/f/checkpoint", new byte[] { 3 });
        using var held = ExperimentLock.Acquire(_dir.Path, "e");

        // Act
        List<string> e = await _store.ListAsync("experiments/e/").ToListAsync();
        List<string> rounds = await _store.ListAsync("experiments/e/rounds/000002").ToListAsync();
        List<string> none = await _store.ListAsync("nothing/here/").ToListAsync();

        // Assert
        Assert.Equal(["experiments/e/rounds/000001/weights.bin", "experiments/e/rounds/000002/weights.bin"], e.Order(StringComparer.Ordinal));
        Assert.Equal(["experiments/e/rounds/000002/weights.bin"], rounds);
        Assert.Empty(none);
    }

    [Fact]
    public async Task Delete_RemovesTheBlobAndItsEmptyDirectories()
    {
        // Arrange
        await _store.PutAsync("experiments/e/rounds/000001/weights.bin", new byte[] { 1 });
        await _store.PutAsync("experiments/e/checkpoint", new byte[] { 2 });

        // Act
        await _store.DeleteAsync("experiments/e/rounds/000001/weights.bin");
        await _store.DeleteAsync("experiments/e/rounds/000001/weights.bin");

        // Assert
        Assert.Null(await _store.GetAsync("experiments/e/rounds/000001/weights.bin"));
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "experiments", "e", "rounds")));
        Assert.True(File.Exists(Path.Combine(_dir.Path, "experiments", "e", "checkpoint")));
    }
}
