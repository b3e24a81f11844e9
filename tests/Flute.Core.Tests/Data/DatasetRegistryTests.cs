using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Data.Mnist;

namespace Flute.Core.Tests.Data;

public sealed class DatasetRegistryTests
{
    [Fact]
    public void Registry_holds_exactly_the_configurable_data_sets()
    {
        Assert.Equal(KnownNames.Datasets.Except(KnownNames.GeneratedDatasets).Order(), DatasetRegistry.Names.Order());
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
        Assert.Contains("known: mnist", error.Message);
    }
}
