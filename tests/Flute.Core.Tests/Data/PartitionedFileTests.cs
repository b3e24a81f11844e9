using Flute.Core.Data;
using Flute.Core.Data.Partitioned;

namespace Flute.Core.Tests.Data;

public sealed class PartitionedFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flute-partitioned-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>12 byte samples of 2×2 features (sample s has features s, s+1, s+2, s+3 and label s % 3), with a transform.</summary>
    private static Dataset Pool(string name, int count, int first = 0)
    {
        var bytes = new byte[count * 4];
        for (int s = 0; s < count; s++)
            for (int j = 0; j < 4; j++) bytes[s * 4 + j] = (byte)(first + s + j);
        return new Dataset(name, bytes, [.. Enumerable.Range(first, count).Select(s => s % 3)], [2, 2], 3,
            scale: [0.5f, 0.5f, 0.5f, 0.5f], shift: [1, 2, 3, 4]);
    }

    [Fact]
    public void Each_client_reads_back_exactly_its_own_samples_and_empty_clients_stay_empty()
    {
        // Arrange: 4 clients, one of them empty, over a 12-sample pool; a 5-sample test set.
        Dataset train = Pool("train", 12), test = Pool("test", 5, first: 100);
        int[][] clients = [[0, 5, 7], [], [11], [1, 2, 3, 4, 6, 8, 9, 10]];
        var data = new FederatedData(train, clients, test);
        string path = Path.Combine(_dir, "p.flpf");

        // Act
        PartitionedFile.Write(path, data);
        using var file = PartitionedFile.Open(path);
        FederatedData lazy = file.ToFederatedData();

        // Assert
        Assert.Equal(4, lazy.Population);
        Assert.True(lazy.IsLazy);
        for (int k = 0; k < clients.Length; k++)
        {
            Assert.Equal(clients[k].Length, lazy.SampleCount(k));
            ClientShard shard = lazy.Shard(k);
            Dataset expected = train.Select("expected", clients[k]);
            Assert.Equal(expected.Labels, shard.Data.Labels);
            Assert.Equal(expected.RawBytes.ToArray(), shard.Data.RawBytes.ToArray());
            Assert.Equal(train.Scale, shard.Data.Scale);
            Assert.Equal(train.Shift, shard.Data.Shift);
            Assert.Equal([2, 2], shard.Data.SampleShape);
        }
        Assert.Equal(test.Labels, lazy.Test.Labels);
        Assert.Equal(test.RawBytes.ToArray(), lazy.Test.RawBytes.ToArray());
        // Header 4+2+2+8+4+4+4+2×4+1+2×4×4 = 69 bytes, index (4 + 2) × 8, then (4 + 4) bytes per sample.
        Assert.Equal(69 + 6 * 8 + (12 + 5) * 8, new FileInfo(path).Length);
    }

    [Fact]
    public void A_truncated_or_foreign_file_is_refused_with_its_name()
    {
        string path = Path.Combine(_dir, "p.flpf");
        PartitionedFile.Write(path, new FederatedData(Pool("train", 12), [[0, 1], [2]], Pool("test", 2)));
        byte[] bytes = File.ReadAllBytes(path);
        string truncated = Path.Combine(_dir, "truncated.flpf"), foreign = Path.Combine(_dir, "foreign.flpf");
        File.WriteAllBytes(truncated, bytes[..^3]);
        File.WriteAllBytes(foreign, [.. "NOPE"u8, .. bytes[4..]]);

        var t = Assert.Throws<InvalidDataException>(() => PartitionedFile.Open(truncated));
        var f = Assert.Throws<InvalidDataException>(() => PartitionedFile.Open(foreign));

        Assert.Contains(truncated, t.Message);
        Assert.Contains("truncated", t.Message);
        Assert.Contains("FLPF", f.Message);
    }
}
