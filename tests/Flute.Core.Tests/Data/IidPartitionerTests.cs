using Flute.Core.Data.Partitioners;
using static Flute.Core.Tests.Data.PartitionerTestData;

namespace Flute.Core.Tests.Data;

public sealed class IidPartitionerTests
{
    [Fact]
    public void Deals_103_samples_to_10_clients_as_three_of_11_and_seven_of_10()
    {
        int[] labels = InterleavedLabels(1, 103);

        PartitionResult result = new IidPartitioner().Split(labels, 1, Section("iid", 10), seed: 7);

        Assert.Equal([11, 11, 11, 10, 10, 10, 10, 10, 10, 10], result.ClientTrain.Select(c => c.Length));
        AssertEachIndexOnce(103, result.ClientTrain);
        Assert.Null(result.TestIndices);
        Assert.All(result.ClientTrain, c => Assert.Equal(c.Order(), c));
    }

    [Fact]
    public void More_clients_than_samples_leaves_some_clients_empty()
    {
        int[] labels = [0, 1, 0];

        PartitionResult result = new IidPartitioner().Split(labels, 2, Section("iid", 5), seed: 1);

        Assert.Equal([1, 1, 1, 0, 0], result.ClientTrain.Select(c => c.Length));
        AssertEachIndexOnce(3, result.ClientTrain);
    }

    [Fact]
    public void Shuffles_rather_than_cutting_in_order()
    {
        int[] labels = InterleavedLabels(1, 1000);

        PartitionResult result = new IidPartitioner().Split(labels, 1, Section("iid", 10), seed: 3);

        // Cutting in order would give client 0 exactly 0..99.
        Assert.NotEqual(Enumerable.Range(0, 100), result.ClientTrain[0]);
    }

    [Fact]
    public void Zero_clients_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new IidPartitioner().Split([0, 1], 2, Section("iid", 0), seed: 1));

        Assert.Contains("num_clients", error.Message);
    }
}
