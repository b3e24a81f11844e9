using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Data.Partitioners;

namespace Flute.Core.Tests.Data;

public sealed class ValidationSplitTests
{
    // perClass samples of each of 10 classes (interleaved) with 2 raw float features: feature 0 is
    // the label, feature 1 is a sample id, firstId + index, unique across the train and test sets.
    private static Dataset Synthetic(string name, int perClass, int firstId)
    {
        int count = 10 * perClass;
        int[] labels = Enumerable.Range(0, count).Select(i => i % 10).ToArray();
        float[] features = Enumerable.Range(0, count).SelectMany(i => new float[] { i % 10, firstId + i }).ToArray();
        return new Dataset(name, features, labels, [2], 10);
    }

    private static int[] Ids(Dataset data) => Enumerable.Range(0, data.Count).Select(i => (int)data.RawFloats.Span[2 * i + 1]).ToArray();

    private static int[] ClientIds(FederatedData data, int client)
    {
        int[] ids = Ids(data.Train);
        return data.Clients[client].Select(i => ids[i]).ToArray();
    }

    private static IPartitioner Partitioner(string name) => PartitionerRegistry.Get(name);

    private static DataSection Section(string partition, int clients, double fraction) =>
        new() { Partition = partition, NumClients = clients, ValidationFraction = fraction };

    [Theory]
    [InlineData(0.1, 60_000, 6_000)]
    [InlineData(0.5, 300, 150)]
    [InlineData(0.25, 10, 3)]   // 2.5 rounds half away from zero
    [InlineData(0.5, 7, 4)]     // 3.5 likewise
    [InlineData(0.01, 40, 0)]   // 0.4
    [InlineData(0.0, 60_000, 0)]
    public void Count_is_the_rounded_share_of_the_pool(double fraction, int poolSize, int expected)
    {
        Assert.Equal(expected, ValidationSplit.Count(fraction, poolSize));
    }

    [Fact]
    public void Draw_is_ascending_distinct_and_in_range()
    {
        int[] drawn = ValidationSplit.Draw(1_000, 0.1, seed: 3);

        Assert.Equal(100, drawn.Length);
        Assert.All(drawn, i => Assert.InRange(i, 0, 999));
        Assert.All(drawn.Zip(drawn.Skip(1)), pair => Assert.True(pair.First < pair.Second));
    }

    [Fact]
    public void Complement_keeps_the_rest_in_order()
    {
        Assert.Equal(new[] { 0, 2, 3, 5 }, ValidationSplit.Complement(6, new[] { 1, 4 }));
    }

    [Fact]
    public void Holds_out_the_share_of_the_training_pool_and_clients_split_the_rest()
    {
        // 60,000 × 0.1 = 6,000 held out; iid deals the other 54,000 to 100 clients, 540 each.
        Dataset train = Synthetic("s-train", 6_000, 0), test = Synthetic("s-test", 1_000, 60_000);

        FederatedData data = FederatedDataFactory.Partition(Partitioner("iid"), train, test, Section("iid", 100, 0.1), seed: 1);

        Assert.NotNull(data.Validation);
        Assert.Equal(6_000, data.Validation.Count);
        Assert.Equal("s-validation", data.Validation.Name);
        Assert.Equal(54_000, data.Train.Count);
        Assert.All(data.Clients, client => Assert.Equal(540, client.Length));
        Assert.Same(test, data.Test);
    }

    [Theory]
    [InlineData("iid")]
    [InlineData("dirichlet")]
    [InlineData("shards")]
    public void Validation_is_disjoint_from_every_client_and_from_test(string partition)
    {
        // 300 train samples (ids 0..299), 100 test (ids 300..399); 0.2 × 300 = 60 held out.
        Dataset train = Synthetic("s-train", 30, 0), test = Synthetic("s-test", 10, 300);

        FederatedData data = FederatedDataFactory.Partition(Partitioner(partition), train, test, Section(partition, 6, 0.2), seed: 4);

        int[] validation = Ids(data.Validation!);
        Assert.Equal(60, validation.Length);
        Assert.Empty(validation.Intersect(Ids(data.Test)));
        for (int u = 0; u < data.ClientCount; u++)
            Assert.Empty(validation.Intersect(ClientIds(data, u)));
        // These partitions place every sample, so clients and validation together are the training set.
        int[] placed = [.. validation, .. Enumerable.Range(0, data.ClientCount).SelectMany(u => ClientIds(data, u))];
        Assert.Equal(Enumerable.Range(0, 300), placed.Order());
    }

    [Fact]
    public void Validation_is_the_same_for_a_seed_and_differs_across_seeds()
    {
        Dataset train = Synthetic("s-train", 30, 0), test = Synthetic("s-test", 10, 300);
        FederatedData Run(ulong seed) =>
            FederatedDataFactory.Partition(Partitioner("dirichlet"), train, test, Section("dirichlet", 5, 0.1), seed);

        FederatedData first = Run(7), again = Run(7), other = Run(8);

        Assert.Equal(Ids(first.Validation!), Ids(again.Validation!));
        Assert.Equal(first.Clients, again.Clients);
        Assert.NotEqual(Ids(first.Validation!), Ids(other.Validation!));
        Assert.Equal(ValidationSplit.Draw(300, 0.1, seed: 7), Ids(first.Validation!));
    }

    [Theory]
    [InlineData("iid")]
    [InlineData("dirichlet")]
    public void Zero_fraction_has_no_validation_and_partitions_as_before(string partition)
    {
        Dataset train = Synthetic("s-train", 30, 0), test = Synthetic("s-test", 10, 300);
        DataSection section = Section(partition, 7, 0);
        PartitionResult direct = Partitioner(partition).Split(train.Labels, train.ClassCount, section, seed: 9);

        FederatedData data = FederatedDataFactory.Partition(Partitioner(partition), train, test, section, seed: 9);

        Assert.Null(data.Validation);
        Assert.Same(train, data.Train);
        Assert.Same(test, data.Test);
        Assert.Equal(direct.ClientTrain.Length, data.ClientCount);
        for (int u = 0; u < data.ClientCount; u++)
            Assert.Equal(direct.ClientTrain[u], data.Clients[u]);
    }

    [Fact]
    public void Byte_storage_and_the_transform_carry_over_to_the_validation_split()
    {
        // 200 one-byte samples whose value is their index; transform x · 2 + 1.
        byte[] pixels = Enumerable.Range(0, 200).Select(i => (byte)i).ToArray();
        var train = new Dataset("b-train", pixels, Enumerable.Range(0, 200).Select(i => i % 10).ToArray(), [1], 10, scale: [2f], shift: [1f]);
        var test = new Dataset("b-test", new byte[10], new int[10], [1], 10);

        FederatedData data = FederatedDataFactory.Partition(Partitioner("iid"), train, test, Section("iid", 4, 0.05), seed: 2);

        Dataset validation = data.Validation!;
        Assert.Equal((10, DatasetStorage.Byte), (validation.Count, validation.Storage));
        Assert.Same(train.Scale, validation.Scale);
        var value = new float[1];
        for (int k = 0; k < validation.Count; k++)
        {
            int original = validation.RawBytes.Span[k];
            validation.CopySample(k, value);
            Assert.Equal(original * 2f + 1f, value[0]);
            Assert.Equal(original % 10, validation.Labels[k]);
        }
    }

    [Fact]
    public void Pooling_partition_holds_out_from_the_pooled_samples_outside_the_test_set()
    {
        // 300 + 100 pooled samples, ids 0..399 (the pool keeps raw values; standardizing is its transform).
        Dataset train = Synthetic("s-train", 30, 0), test = Synthetic("s-test", 10, 300);
        var partitioner = new PowerLawPartitioner();

        FederatedData before = FederatedDataFactory.Partition(partitioner, train, test, Section("powerlaw", 10, 0), seed: 1);
        FederatedData data = FederatedDataFactory.Partition(partitioner, train, test, Section("powerlaw", 10, 0.1), seed: 1);

        Assert.Null(before.Validation);
        Dataset validation = data.Validation!;
        int outsideTest = 400 - before.Test.Count;
        Assert.Equal((int)Math.Round(0.1 * outsideTest, MidpointRounding.AwayFromZero), validation.Count);
        Assert.Equal(400 - validation.Count, data.Train.Count);
        Assert.Equal("s-pooled-validation", validation.Name);
        Assert.Same(data.Test.Scale, validation.Scale);
        int[] held = Ids(validation);
        // The test set is the one of fraction 0, and no held-out sample is in it.
        Assert.Equal(Ids(before.Test), Ids(data.Test));
        Assert.Empty(held.Intersect(Ids(data.Test)));
        Assert.Empty(held.Intersect(Ids(data.Train)));
        for (int u = 0; u < data.ClientCount; u++)
        {
            // Each client keeps exactly its fraction-0 shard minus the held-out samples.
            Assert.Empty(held.Intersect(ClientIds(data, u)));
            Assert.Equal(ClientIds(before, u).Except(held), ClientIds(data, u));
        }
    }

    [Fact]
    public void A_fraction_that_holds_out_nothing_is_an_error()
    {
        Dataset train = Synthetic("s-train", 4, 0), test = Synthetic("s-test", 1, 40);

        var error = Assert.Throws<ArgumentException>(() =>
            FederatedDataFactory.Partition(Partitioner("iid"), train, test, Section("iid", 2, 0.01), seed: 1));

        Assert.Contains("data.validation_fraction", error.Message);
    }
}
