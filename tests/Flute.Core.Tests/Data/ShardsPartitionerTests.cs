using Flute.Core.Data.Partitioners;
using static Flute.Core.Tests.Data.PartitionerTestData;

namespace Flute.Core.Tests.Data;

public sealed class ShardsPartitionerTests
{
    [Fact]
    public void Each_client_gets_two_single_label_shards_of_30()
    {
        // 600 samples, 10 classes of 60: 10 clients × 2 shards = 20 shards of 30, each inside one class.
        int[] labels = InterleavedLabels(10, 60);

        PartitionResult result = new ShardsPartitioner().Split(labels, 10, Section("shards", 10, shardsPerClient: 2), seed: 4);

        Assert.All(result.ClientTrain, c => Assert.Equal(60, c.Length));
        Assert.All(result.ClientTrain, c => Assert.InRange(DistinctLabels(c, labels), 1, 2));
        AssertEachIndexOnce(labels.Length, result.ClientTrain);
    }

    [Fact]
    public void Uneven_counts_give_shards_differing_by_at_most_one()
    {
        // 101 samples in 10 shards: sizes 10 or 11, so a client with 2 shards has 20..22.
        int[] labels = InterleavedLabels(1, 101);

        PartitionResult result = new ShardsPartitioner().Split(labels, 1, Section("shards", 5, shardsPerClient: 2), seed: 4);

        Assert.All(result.ClientTrain, c => Assert.InRange(c.Length, 20, 22));
        AssertEachIndexOnce(101, result.ClientTrain);
    }

    [Fact]
    public void Shards_are_contiguous_label_runs_not_interleaved_samples()
    {
        int[] labels = InterleavedLabels(10, 60);

        PartitionResult result = new ShardsPartitioner().Split(labels, 10, Section("shards", 20, shardsPerClient: 1), seed: 9);

        // One shard of 30 per client, each inside a single class.
        Assert.All(result.ClientTrain, c => Assert.Equal(1, DistinctLabels(c, labels)));
    }

    [Fact]
    public void More_shards_than_samples_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new ShardsPartitioner().Split(InterleavedLabels(2, 5), 2, Section("shards", 6, shardsPerClient: 2), seed: 1));

        Assert.Contains("12 samples", error.Message);
    }
}
