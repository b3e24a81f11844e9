using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Data.Partitioners;

namespace Flute.Core.Tests.Data;

public sealed class FederatedDataFactoryTests
{
    // 10 classes × 30 train + 10 × 10 test samples of 2 raw features: feature 0 is the label, feature 1 is 100 + index.
    private static Dataset Synthetic(string name, int perClass, int offset)
    {
        int count = 10 * perClass;
        int[] labels = Enumerable.Range(0, count).Select(i => i % 10).ToArray();
        float[] features = Enumerable.Range(0, count).SelectMany(i => new float[] { i % 10, 100 + offset + i }).ToArray();
        return new Dataset(name, features, labels, [2], 10);
    }

    [Fact]
    public void Non_pooling_partition_keeps_train_and_test_as_given()
    {
        Dataset train = Synthetic("s-train", 30, 0), test = Synthetic("s-test", 10, 300);
        var section = new DataSection { Partition = "iid", NumClients = 7 };

        FederatedData data = FederatedDataFactory.Partition(new IidPartitioner(), train, test, section, seed: 1);

        Assert.Same(train, data.Train);
        Assert.Same(test, data.Test);
        Assert.Equal(7, data.ClientCount);
        Assert.Equal(300, data.Clients.Sum(c => c.Length));
    }

    [Fact]
    public void Pooling_partition_standardizes_the_pool_and_draws_test_from_it()
    {
        Dataset train = Synthetic("s-train", 30, 0), test = Synthetic("s-test", 10, 300);
        var section = new DataSection { Partition = "powerlaw", NumClients = 10 };

        FederatedData data = FederatedDataFactory.Partition(new PowerLawPartitioner(), train, test, section, seed: 1);

        Assert.Equal(400, data.Train.Count);
        Assert.Equal("s-pooled", data.Train.Name);
        // Labels 0..9 equally often: mean 4.5, population std sqrt(8.25) = 2.87228; label 0 maps to −4.5/2.87328.
        var first = new float[2];
        data.Train.CopySample(0, first);
        Assert.Equal(-4.5f / 2.873281f, first[0], 4);
        int placed = data.Clients.Sum(c => c.Length) + data.Test.Count;
        // Flooring 10 classes × 2 proportions loses at most 20.
        Assert.InRange(placed, 380, 400);
        Assert.All(data.Test.Labels, l => Assert.InRange(l, 0, 9));
        Assert.True(data.Test.Count > 0);
    }

    [Fact]
    public void Pooling_byte_data_sets_standardizes_their_raw_bytes()
    {
        // Feature 0 is the label (0..9, 40 each over the pool): mean 4.5, population std 2.87228;
        // feature 1 is constant 200 and maps to 0. The transforms on the inputs are ignored.
        Dataset Bytes(string name, int count) => new(
            name, Enumerable.Range(0, count).SelectMany(i => new[] { (byte)(i % 10), (byte)200 }).ToArray(),
            Enumerable.Range(0, count).Select(i => i % 10).ToArray(), [2], 10, scale: [5f, 5f], shift: [1f, 1f]);
        var section = new DataSection { Partition = "powerlaw", NumClients = 10 };

        FederatedData data = FederatedDataFactory.Partition(new PowerLawPartitioner(), Bytes("b-train", 300), Bytes("b-test", 100), section, seed: 1);

        Assert.Equal((400, DatasetStorage.Byte), (data.Train.Count, data.Train.Storage));
        var sample = new float[2];
        data.Train.CopySample(9, sample);
        Assert.Equal(4.5f / 2.873281f, sample[0], 4);
        Assert.Equal(0f, sample[1]);
        Assert.Same(data.Train.Scale, data.Test.Scale);
    }

    [Fact]
    public void Unknown_data_set_lists_the_known_ones()
    {
        var section = new DataSection { Dataset = "cifar10" };

        var error = Assert.Throws<ArgumentException>(() => FederatedDataFactory.Load(section, "", seed: 1, TextWriter.Null));

        Assert.Contains("'cifar10'", error.Message);
        Assert.Contains("mnist", error.Message);
    }
}
