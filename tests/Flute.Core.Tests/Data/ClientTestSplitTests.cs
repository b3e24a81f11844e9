using Flute.Core.Data;

namespace Flute.Core.Tests.Data;

public sealed class ClientTestSplitTests
{
    [Theory]
    [InlineData(10, 0.2, 2)]
    [InlineData(9, 0.2, 1)]     // ⌊1.8⌋
    [InlineData(4, 0.2, 0)]     // ⌊0.8⌋: a client this small keeps all its samples and is not evaluated
    [InlineData(600, 0.25, 150)]
    [InlineData(0, 0.5, 0)]
    public void The_test_count_is_the_floor_of_fraction_times_samples(int samples, double fraction, int expected) =>
        Assert.Equal(expected, ClientTestSplit.TestCount(samples, fraction));

    [Fact]
    public void The_split_partitions_the_indices_in_their_order_and_repeats_for_the_same_seed_and_client()
    {
        int[] indices = [40, 41, 42, 43, 44, 45, 46, 47, 48, 49];
        var (train, test) = ClientTestSplit.Split(indices, 0.3, seed: 9, client: 5);
        Assert.Equal(3, test.Length);
        Assert.Equal(7, train.Length);
        Assert.Equal(indices, train.Concat(test).Order().ToArray());
        Assert.Equal(train.Order().ToArray(), train);   // original relative order kept
        Assert.Equal(test.Order().ToArray(), test);
        var again = ClientTestSplit.Split(indices, 0.3, seed: 9, client: 5);
        Assert.Equal(train, again.Train);
        Assert.Equal(test, again.Test);
    }

    [Fact]
    public void Different_clients_or_seeds_hold_out_different_samples()
    {
        int[] indices = Enumerable.Range(0, 100).ToArray();
        int[] a = ClientTestSplit.Split(indices, 0.2, seed: 1, client: 0).Test;
        int[] b = ClientTestSplit.Split(indices, 0.2, seed: 1, client: 1).Test;
        int[] c = ClientTestSplit.Split(indices, 0.2, seed: 2, client: 0).Test;
        Assert.NotEqual(a, b);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void A_fraction_outside_0_to_1_is_refused(double fraction) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ClientTestSplit.TestCount(10, fraction));

    [Fact]
    public void An_eager_data_set_trains_on_the_rest_and_tests_each_client_on_its_own_split()
    {
        var pool = new Dataset("pool", Enumerable.Range(0, 20).Select(i => (float)i).ToArray(), new int[20], [1], 2);
        var test = new Dataset("test", [0f], [0], [1], 2);
        var data = new FederatedData(pool, [Enumerable.Range(0, 10).ToArray(), Enumerable.Range(10, 10).ToArray()], test);
        Assert.False(data.HasClientTests);
        Assert.Empty(data.ClientTest(0).Indices);

        FederatedData split = data.WithClientTestSplit(0.2, seed: 3);
        Assert.True(split.HasClientTests);
        for (int c = 0; c < 2; c++)
        {
            int[] train = split.Shard(c).Indices, own = split.ClientTest(c).Indices;
            Assert.Equal(8, train.Length);
            Assert.Equal(8, split.SampleCount(c));
            Assert.Equal(2, own.Length);
            Assert.Equal(data.Clients[c], train.Concat(own).Order().ToArray());
            Assert.Same(pool, split.ClientTest(c).Data);
        }
        Assert.Throws<InvalidOperationException>(() => split.WithClientTestSplit(0.2, 3));
    }

    [Fact]
    public void A_lazy_data_set_splits_each_generated_shard_the_same_way()
    {
        var shardData = new Dataset("client", Enumerable.Range(0, 9).Select(i => (float)i).ToArray(), new int[9], [1], 2);
        var test = new Dataset("test", [0f], [0], [1], 2);
        var data = new FederatedData(3, _ => new ClientShard(shardData, Enumerable.Range(0, 9).ToArray()), test, null, _ => 9);
        FederatedData split = data.WithClientTestSplit(0.25, seed: 4);   // ⌊2.25⌋ = 2 held out
        Assert.Equal(7, split.SampleCount(1));
        Assert.Equal(7, split.Shard(1).Indices.Length);
        Assert.Equal(2, split.ClientTest(1).Indices.Length);
        Assert.Equal(Enumerable.Range(0, 9), split.Shard(1).Indices.Concat(split.ClientTest(1).Indices).Order());
        Assert.Equal(ClientTestSplit.Split(Enumerable.Range(0, 9).ToArray(), 0.25, 4, 1).Test, split.ClientTest(1).Indices);
    }
}
