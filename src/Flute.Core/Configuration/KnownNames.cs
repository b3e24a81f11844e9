namespace Flute.Core.Configuration;

/// <summary>
/// The names the configuration accepts for each registry. This is the single list: the model,
/// data set, partitioner, strategy and optimizer registries must register exactly these names,
/// and adding an implementation means adding its name here (and to docs/configuration.md).
/// </summary>
public static class KnownNames
{
    /// <summary>model.name values.</summary>
    public static string[] Models { get; } = ["logreg", "mlp", "cnn", "cnn-small"];

    /// <summary>data.dataset values.</summary>
    public static string[] Datasets { get; } = ["mnist", "synthetic", "partitioned"];

    /// <summary>The data.dataset values read or generated per client on demand (no DatasetRegistry source, nothing to fetch).</summary>
    public static string[] GeneratedDatasets { get; } = ["synthetic", "partitioned"];

    /// <summary>data.partition values.</summary>
    public static string[] Partitions { get; } = ["iid", "dirichlet", "shards", "powerlaw"];

    /// <summary>server.strategy values.</summary>
    public static string[] Strategies { get; } = ["fedavg"];

    /// <summary>server.optimizer values.</summary>
    public static string[] ServerOptimizers { get; } = ["sgd"];

    /// <summary>client.optimizer values.</summary>
    public static string[] ClientOptimizers { get; } = ["sgd"];

    /// <summary>storage.provider values.</summary>
    public static string[] StorageProviders { get; } = ["local", "azure", "none"];

    /// <summary>storage.best_metric values (measured on the validation split).</summary>
    public static string[] BestMetrics { get; } = ["accuracy", "loss"];

    /// <summary>server.aggregation: where updates of a weighted-sum strategy are summed.</summary>
    public static string[] Aggregations { get; } = ["auto", "silo", "direct"];

    /// <summary>silo.compute: how libtorch picks its CPU kernels (docs/reproducibility.md).</summary>
    public static string[] ComputeModes { get; } = ["native", "portable"];
}
