namespace Flute.Core.Configuration;

/// <summary>
/// The fixed lists of names some settings accept. These are settings, not components: components
/// (strategies, optimizers, models, data sets, partitions, codecs) are registered in
/// <see cref="Registry.Components"/>, and their names come only from there.
/// </summary>
public static class KnownNames
{
    /// <summary>client.lr_schedule values (Flute.Core.Schedules.LearningRateSchedule).</summary>
    public static string[] LrSchedules { get; } = ["constant", "step", "exponential", "cosine"];

    /// <summary>server.lr_schedule values: the same schedules as the client's, applied to the server step.</summary>
    public static string[] ServerLrSchedules { get; } = LrSchedules;

    /// <summary>storage.provider values.</summary>
    public static string[] StorageProviders { get; } = ["local", "azure", "none"];

    /// <summary>storage.best_metric values (measured on the validation split).</summary>
    public static string[] BestMetrics { get; } = ["accuracy", "loss"];

    /// <summary>privacy.weighting: what DP-FedAvg divides the noised sum by.</summary>
    public static string[] DpWeightings { get; } = ["uniform", "fixed"];

    /// <summary>server.sampling: how a round's cohort is drawn (fixed: exactly K of N; poisson: each client with probability K/N).</summary>
    public static string[] Samplings { get; } = ["fixed", "poisson"];

    /// <summary>server.aggregation: where updates of a weighted-sum strategy are summed.</summary>
    public static string[] Aggregations { get; } = ["auto", "silo", "direct"];

    /// <summary>attack.type values (Flute.Core.Attacks.AttackOptions maps them to AttackType).</summary>
    public static string[] AttackTypes { get; } = ["none", "sign_flip", "scale", "gaussian"];

    /// <summary>server.client_eval: which clients evaluate the global model on their own test split.</summary>
    public static string[] ClientEvaluations { get; } = ["none", "cohort", "all"];

    /// <summary>data.text_clients: what one client of a text data set (sotu) is.</summary>
    public static string[] TextClients { get; } = ["president", "speech"];
    /// <summary>devices.clock: the virtual clock of simulated devices (docs/heterogeneity.md).</summary>
    public static string[] OffOn { get; } = ["off", "on"];

    /// <summary>silo.compute: how libtorch picks its CPU kernels (docs/reproducibility.md).</summary>
    public static string[] ComputeModes { get; } = ["native", "portable"];
}
