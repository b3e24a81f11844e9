using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Data.Mnist;

namespace Flute.Core.Tests.Data;

public sealed class DatasetRegistryTests
{
    [Fact]
    public void Holds_the_four_data_sets_and_which_fetch_files()
    {
        Assert.Equal(["mnist", "fashion-mnist", "synthetic", "partitioned", "sotu"], DatasetRegistry.Names);
        Assert.True(DatasetRegistry.Get("mnist").FetchesFiles);
        Assert.True(DatasetRegistry.Get("fashion-mnist").FetchesFiles);
        Assert.False(DatasetRegistry.Get("synthetic").FetchesFiles);
        Assert.False(DatasetRegistry.Get("partitioned").FetchesFiles);
        Assert.True(DatasetRegistry.Get("sotu").FetchesFiles);
    }

    [Fact]
    public void Knows_the_sample_shape_without_loading()
    {
        DatasetShape mnist = DatasetRegistry.Get("mnist").Shape(new DataSection());
        DatasetShape synthetic = DatasetRegistry.Get("synthetic").Shape(new DataSection());

        Assert.Equal([1, 28, 28], mnist.SampleShape);
        Assert.Equal(10, mnist.ClassCount);
        Assert.Equal([60], synthetic.SampleShape);
        Assert.Equal(10, synthetic.ClassCount);
    }

    [Fact]
    public void Finds_mnist_by_name_ignoring_case()
    {
        Assert.IsType<MnistSource>(DatasetRegistry.Get("MNIST"));
    }

    [Fact]
    public void Unknown_name_lists_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => DatasetRegistry.Get("femnist"));

        Assert.Contains("'femnist'", error.Message);
        Assert.StartsWith("unknown data set 'femnist'; registered: mnist, fashion-mnist, synthetic, partitioned, sotu", error.Message, StringComparison.Ordinal);
    }
}
