using Flute.Core.Codecs;
using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Data.FashionMnist;
using Flute.Core.Data.Mnist;
using Flute.Core.Data.Partitioned;
using Flute.Core.Data.Partitioners;
using Flute.Core.Data.Synthetic;
using Flute.Core.Data.Text;
using Flute.Core.Evaluation;
using Flute.Core.ServerOptimizers;
using Flute.Core.Strategies;
using Flute.Core.UpdatePipeline;

namespace Flute.Core.Registry;

/// <summary>
/// Every registry of components, one per kind. Registering in one of them is the only step that makes
/// a name valid: the config schema (<see cref="ConfigSchema"/>), <c>flute help</c> and the errors read
/// these. The kinds built in Flute.Core are created here with their built-ins; models and client
/// optimizers are built with TorchSharp, so Flute.Grains owns those registries and attaches them
/// (<see cref="Attach"/>, from <c>FluteComponents.EnsureRegistered()</c>) before a config is validated.
/// </summary>
public static class Components
{
    /// <summary>The kind name of models (model.name), attached by Flute.Grains.</summary>
    public const string ModelKind = "model";

    /// <summary>The kind name of client optimizers (client.optimizer), attached by Flute.Grains.</summary>
    public const string ClientOptimizerKind = "client optimizer";

    private static readonly Lock Gate = new();
    private static ComponentRegistry? s_models;
    private static ComponentRegistry? s_clientOptimizers;

    /// <summary>Aggregation strategies (server.strategy); the factory reads the strategy's options from the config.</summary>
    public static ComponentRegistry<FluteConfig, IStrategy> Strategies { get; } = CreateStrategies();

    /// <summary>Server optimizers (server.optimizer).</summary>
    public static ComponentRegistry<ServerOptimizerOptions, IServerOptimizer> ServerOptimizers { get; } = CreateServerOptimizers();

    /// <summary>Data sets (data.dataset).</summary>
    public static ComponentRegistry<DataSection, IDatasetSource> Datasets { get; } = CreateDatasets();

    /// <summary>Partitions of a data set among clients (data.partition).</summary>
    public static ComponentRegistry<DataSection, IPartitioner> Partitions { get; } = CreatePartitions();

    /// <summary>Update codecs (the payload header's codec); the factory gets the text after the colon, or null.</summary>
    public static ComponentRegistry<string?, IUpdateCodec> Codecs { get; } = CreateCodecs();

    /// <summary>Steps a client applies to its update before encoding it (client.update_steps, in order); the factory reads its options from the config.</summary>
    public static ComponentRegistry<FluteConfig, IUpdateStep> UpdateSteps { get; } = CreateUpdateSteps();

    /// <summary>Steps the server applies to each round's pseudo-gradient before its optimizer steps (server.aggregate_steps, in order); the factory reads its options from the config.</summary>
    public static ComponentRegistry<FluteConfig, IAggregateStep> AggregateSteps { get; } = CreateAggregateSteps();

    /// <summary>Evaluation metrics besides accuracy and loss (server.metrics); the factory reads its options from the config.</summary>
    public static ComponentRegistry<FluteConfig, IMetric> Metrics { get; } = CreateMetrics();

    /// <summary>Models (model.name); attached by Flute.Grains.</summary>
    /// <exception cref="InvalidOperationException">Flute.Grains has not attached its model registry yet.</exception>
    public static ComponentRegistry Models => Volatile.Read(ref s_models) ?? throw NotAttached(ModelKind);

    /// <summary>Client optimizers (client.optimizer); attached by Flute.Grains.</summary>
    /// <exception cref="InvalidOperationException">Flute.Grains has not attached its client-optimizer registry yet.</exception>
    public static ComponentRegistry ClientOptimizers => Volatile.Read(ref s_clientOptimizers) ?? throw NotAttached(ClientOptimizerKind);

    /// <summary>Every kind, in the order help lists them (kinds not attached yet are left out).</summary>
    public static IReadOnlyList<ComponentRegistry> All =>
        new ComponentRegistry?[] { Strategies, ServerOptimizers, Volatile.Read(ref s_clientOptimizers), Volatile.Read(ref s_models), Datasets, Partitions, UpdateSteps, AggregateSteps, Metrics, Codecs }
            .OfType<ComponentRegistry>().ToArray();

    /// <summary>
    /// Attaches the registry of a kind whose components Flute.Core cannot type (<see cref="ModelKind"/>,
    /// <see cref="ClientOptimizerKind"/>). Attaching the same instance again does nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another registry of that kind is attached already.</exception>
    public static void Attach(ComponentRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        lock (Gate)
        {
            ComponentRegistry? current = registry.Kind switch
            {
                ModelKind => s_models,
                ClientOptimizerKind => s_clientOptimizers,
                _ => throw new ArgumentException($"kind '{registry.Kind}' is built in Flute.Core and cannot be attached", nameof(registry)),
            };
            if (current is not null && !ReferenceEquals(current, registry))
                throw new InvalidOperationException($"another {registry.Kind} registry is attached already");
            if (registry.Kind == ModelKind) Volatile.Write(ref s_models, registry);
            else Volatile.Write(ref s_clientOptimizers, registry);
        }
    }

    private static InvalidOperationException NotAttached(string kind) =>
        new($"no {kind} registry is attached: call FluteComponents.EnsureRegistered() (Flute.Grains) before validating a config");

    private static ComponentRegistry<FluteConfig, IStrategy> CreateStrategies()
    {
        var registry = new ComponentRegistry<FluteConfig, IStrategy>("strategy", "server.strategy");
        registry.Register(FedAvg.StrategyName, "Federated averaging (McMahan et al. 2017): updates weighted by sample count.", _ => new FedAvg());
        registry.Register(DpFedAvg.StrategyName, "DP-FedAvg (McMahan et al. 2018): client updates clipped to privacy.clip_norm, uniform weights, Gaussian noise (privacy.noise_multiplier) added once to the merged sum; ε per round.",
            c => new DpFedAvg(DpFedAvgOptions.From(c)));
        registry.Register(FedProx.StrategyName, "FedProx (Li et al. 2020): FedAvg with a proximal term server.proximal_mu/2·‖w − w_global‖² in the local objective.",
            c => new FedProx(new FedProxOptions(c.Server.ProximalMu)));
        registry.Register(MedianStrategy.StrategyName, "Coordinate-wise median of the updates (Yin et al. 2018); buffered: cohort × model × 4 bytes.",
            _ => new MedianStrategy());
        registry.Register(TrimmedMeanStrategy.StrategyName, "Coordinate-wise mean without the server.trim_fraction largest and smallest values (Yin et al. 2018); buffered.",
            c => new TrimmedMeanStrategy(new TrimmedMeanOptions(c.Server.TrimFraction)));
        registry.Register(KrumStrategy.StrategyName, "Krum (Blanchard et al. 2017): the update closest to its n − f − 2 neighbours, f = server.byzantine_clients; buffered.",
            c => new KrumStrategy(new KrumOptions(c.Server.ByzantineClients)));
        registry.Register(MultiKrumStrategy.StrategyName, "Multi-Krum (Blanchard et al. 2017): the mean of the server.multikrum_selected best Krum-scored updates; buffered.",
            c => new MultiKrumStrategy(new KrumOptions(c.Server.ByzantineClients, c.Server.MultikrumSelected)));
        registry.Register(Dga.StrategyName, "Dynamic Gradient Aggregation (Dimitriadis et al. 2021, FLUTE): weights softmax(−server.dga_beta × training loss), optional stale updates (server.dga_stale_prob).",
            c => new Dga(new DgaOptions(c.Server.DgaBeta, c.Server.DgaStaleProb), c.Experiment.Seed));
        registry.Register(QFfl.StrategyName, "q-FFL (Li et al. 2020): the q-FedAvg step, clients with higher loss weigh more as server.qffl_q grows; buffered.",
            c => new QFfl(new QFflOptions(c.Server.QfflLipschitz > 0 ? c.Server.QfflLipschitz : 1 / c.Client.Lr, c.Server.QfflQ)));
        registry.Register(Scaffold.StrategyName, "SCAFFOLD (Karimireddy et al. 2020): control variates correct client drift; uniform mean; client state in the client state store.",
            c => new Scaffold(c.Data.NumClients));
        registry.Register(FedBuff.StrategyName, "FedBuff (Nguyen et al. 2022): asynchronous; server.fedbuff_concurrency clients train at once on the virtual clock, a step every server.fedbuff_buffer arrivals weighted by 1/√(1 + staleness); buffered.",
            c => new FedBuff(new FedBuffOptions(c.Server.FedbuffConcurrency, c.Server.FedbuffBuffer)));
        return registry;
    }

    private static ComponentRegistry<ServerOptimizerOptions, IServerOptimizer> CreateServerOptimizers()
    {
        var registry = new ComponentRegistry<ServerOptimizerOptions, IServerOptimizer>("server optimizer", "server.optimizer");
        registry.Register(SgdServerOptimizer.OptimizerName, "SGD on the aggregate with server.lr and server.momentum (FedAvgM when momentum > 0).",
            options => new SgdServerOptimizer(options.LearningRate, options.Momentum));
        registry.Register(AdamServerOptimizer.OptimizerName, "FedAdam (Reddi et al. 2021): Adam on the aggregate with server.lr, server.beta1, server.beta2, server.tau.",
            options => new AdamServerOptimizer(options.Adaptive));
        registry.Register(YogiServerOptimizer.OptimizerName, "FedYogi (Reddi et al. 2021): Yogi's additive second moment, with server.lr, server.beta1, server.beta2, server.tau.",
            options => new YogiServerOptimizer(options.Adaptive));
        registry.Register(AdagradServerOptimizer.OptimizerName, "FedAdagrad (Reddi et al. 2021): summed squared aggregates, with server.lr, server.beta1, server.tau.",
            options => new AdagradServerOptimizer(options.Adaptive));
        return registry;
    }

    private static ComponentRegistry<DataSection, IDatasetSource> CreateDatasets()
    {
        var registry = new ComponentRegistry<DataSection, IDatasetSource>("data set", "data.dataset");
        registry.Register("mnist", "MNIST digits (LeCun et al. 1998): 28×28 grey images, 10 classes; fetched into the data cache.", _ => new MnistSource());
        registry.Register("fashion-mnist", "Fashion-MNIST (Xiao et al. 2017): 28×28 grey clothing images, 10 classes; Debian package dataset-fashion-mnist, fetched into the data cache.", _ => new FashionMnistSource());
        registry.Register("synthetic", "Synthetic(alpha, beta) (Li et al. 2020): 60 features, 10 classes, generated per client on demand.", _ => new SyntheticSource());
        registry.Register("partitioned", "A file written by 'flute data partition' (data.file), read per client on demand.", _ => new PartitionedSource());
        registry.Register("sotu", "State of the Union speeches as next-character prediction (LEAF's Shakespeare set-up): one client per president (or per speech: data.text_clients), data.seq_len-character windows, 81 classes; fetched into the data cache.", _ => new SotuSource());
        return registry;
    }

    private static ComponentRegistry<DataSection, IPartitioner> CreatePartitions()
    {
        var registry = new ComponentRegistry<DataSection, IPartitioner>("partition", "data.partition");
        registry.Register("iid", "Uniform shuffle dealt out evenly.", _ => new IidPartitioner());
        registry.Register("dirichlet", "Label mix per client drawn from Dirichlet(data.alpha) (Hsu et al. 2019).", _ => new DirichletPartitioner());
        registry.Register("shards", "Label-sorted shards, data.shards_per_client each (McMahan et al. 2017).", _ => new ShardsPartitioner());
        registry.Register("powerlaw", "Two classes per client, power-law sizes, test set pooled (FLUTE's LR_MNIST).", _ => new PowerLawPartitioner());
        return registry;
    }

    private static ComponentRegistry<FluteConfig, IUpdateStep> CreateUpdateSteps()
    {
        var registry = new ComponentRegistry<FluteConfig, IUpdateStep>("update step", "client.update_steps");
        registry.Register(ClipStep.StepName, "Scale the update to L2 norm ≤ privacy.clip_norm (scaled, never rejected).",
            c => new ClipStep(c.Privacy.ClipNorm));
        registry.Register(LocalDpStep.StepName, "Local DP: clip to privacy.local_clip_norm, add Gaussian noise for (privacy.local_epsilon, privacy.local_delta) per update.",
            c => new LocalDpStep(c.Privacy.LocalClipNorm, c.Privacy.LocalEpsilon, c.Privacy.LocalDelta));
        return registry;
    }

    private static ComponentRegistry<FluteConfig, IAggregateStep> CreateAggregateSteps()
    {
        var registry = new ComponentRegistry<FluteConfig, IAggregateStep>("aggregate step", "server.aggregate_steps");
        registry.Register(AggregateClipStep.StepName, "Scale the round's pseudo-gradient to L2 norm ≤ privacy.aggregate_clip_norm.",
            c => new AggregateClipStep(c.Privacy.AggregateClipNorm));
        registry.Register(AggregateNoiseStep.StepName, "Add Gaussian noise N(0, privacy.aggregate_noise_stddev²) to every value of the round's pseudo-gradient (not accounted).",
            c => new AggregateNoiseStep(c.Privacy.AggregateNoiseStddev));
        return registry;
    }

    private static ComponentRegistry<string?, IUpdateCodec> CreateCodecs()
    {
        var registry = new ComponentRegistry<string?, IUpdateCodec>("codec");
        registry.Register(Float32Codec.CodecName, "Little-endian float32 values, uncompressed.", argument => argument is null
            ? Float32Codec.Instance
            : throw new ArgumentException($"Codec '{Float32Codec.CodecName}' takes no argument, got '{argument}'."));
        registry.Register(Float16Codec.CodecName, "IEEE half precision (2 bytes per value), round to nearest even.", argument => NoArgument(Float16Codec.Instance, argument));
        registry.Register(BFloat16Codec.CodecName, "bfloat16: the top 16 bits of float32, round to nearest even.", argument => NoArgument(BFloat16Codec.Instance, argument));
        registry.Register(StochasticQuantizationCodec.CodecName, "Unbiased stochastic N-bit quantization (quant:1 .. quant:8), one range (min, max) per tensor.", StochasticQuantizationCodec.Create);
        registry.Register(TopKCodec.CodecName, "Top-k sparsification with error feedback (topk:F, 0 < F ≤ 1): the ⌈F·n⌉ largest-magnitude values as (index, value); the client keeps the rest as its residual for the next round.", TopKCodec.Create);
        return registry;
    }

    private static ComponentRegistry<FluteConfig, IMetric> CreateMetrics()
    {
        var registry = new ComponentRegistry<FluteConfig, IMetric>("metric", "server.metrics");
        registry.Register(TopKAccuracy.Top5Name, "Top-5 accuracy: the share of samples whose label is among the 5 highest logits (ties: lower class first).",
            _ => new TopKAccuracy(5));
        registry.Register(MacroF1.MetricName, "Macro F1: F1 of the argmax prediction per class, averaged over the classes seen in labels or predictions.",
            _ => new MacroF1());
        registry.Register(BalancedAccuracy.MetricName, "Balanced accuracy: recall per class, averaged over the classes seen in the labels.",
            _ => new BalancedAccuracy());
        return registry;
    }

    private static IUpdateCodec NoArgument(IUpdateCodec codec, string? argument) => argument is null
        ? codec
        : throw new ArgumentException($"Codec '{codec.Name}' takes no argument, got '{argument}'.");
}
