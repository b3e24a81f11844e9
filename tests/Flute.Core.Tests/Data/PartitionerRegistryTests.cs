using Flute.Core.Data.Partitioners;
using static Flute.Core.Tests.Data.PartitionerTestData;

namespace Flute.Core.Tests.Data;

public sealed class PartitionerRegistryTests
{
    private static readonly int[] Labels = InterleavedLabels(10, 200);

    [Fact]
    public void Knows_the_four_partitions_by_name()
    {
        Assert.Equal(["iid", "dirichlet", "shards", "powerlaw"], PartitionerRegistry.Names);
        Assert.IsType<PowerLawPartitioner>(PartitionerRegistry.Get("PowerLaw"));
        Assert.True(PartitionerRegistry.Get("powerlaw").PoolsTestSet);
        Assert.False(PartitionerRegistry.Get("iid").PoolsTestSet);
    }

    [Fact]
    public void Unknown_name_lists_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => PartitionerRegistry.Get("zipf"));

        Assert.Contains("'zipf'", error.Message);
        Assert.Contains("iid, dirichlet, shards, powerlaw", error.Message);
    }

    [Theory]
    [InlineData("iid")]
    [InlineData("dirichlet")]
    [InlineData("shards")]
    [InlineData("powerlaw")]
    public void Same_seed_gives_identical_partitions_and_another_seed_differs(string name)
    {
        IPartitioner partitioner = PartitionerRegistry.Get(name);
        var section = Section(name, 20, alpha: 0.5, shardsPerClient: 2);

        PartitionResult first = partitioner.Split(Labels, 10, section, seed: 42);
        PartitionResult again = partitioner.Split(Labels, 10, section, seed: 42);
        PartitionResult other = partitioner.Split(Labels, 10, section, seed: 43);

        Assert.Equal(Flatten(first), Flatten(again));
        Assert.NotEqual(Flatten(first), Flatten(other));
    }

    private static int[] Flatten(PartitionResult result) =>
        result.ClientTrain.SelectMany(c => c.Prepend(-1)).Concat(result.TestIndices ?? []).ToArray();
}
