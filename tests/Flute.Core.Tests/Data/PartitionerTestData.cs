using Flute.Core.Configuration;

namespace Flute.Core.Tests.Data;

/// <summary>Label arrays and checks shared by the partitioner tests.</summary>
internal static class PartitionerTestData
{
    /// <summary>perClass samples of each class, interleaved (0,1,…,C−1,0,1,…) so a partitioner must group them itself.</summary>
    public static int[] InterleavedLabels(int classes, int perClass) =>
        Enumerable.Range(0, classes * perClass).Select(i => i % classes).ToArray();

    public static DataSection Section(string partition, int clients, double alpha = 0.5, int shardsPerClient = 2) =>
        new() { Partition = partition, NumClients = clients, Alpha = alpha, ShardsPerClient = shardsPerClient };

    /// <summary>Asserts every index in 0..count−1 appears exactly once across the arrays.</summary>
    public static void AssertEachIndexOnce(int count, IEnumerable<int[]> parts)
    {
        var seen = new int[count];
        foreach (int[] part in parts)
            foreach (int index in part)
                seen[index]++;
        Assert.All(seen, times => Assert.Equal(1, times));
    }

    public static int DistinctLabels(int[] indices, int[] labels) => indices.Select(i => labels[i]).Distinct().Count();
}
