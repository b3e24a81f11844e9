using Flute.Core.Codecs;
using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Evaluation;
using Flute.Core.Strategies;
using Flute.Core.UpdatePipeline;
using Flute.Grains.Torch;

namespace Flute.Grains.Runtime;

/// <summary>What a silo knows about a running experiment: its config, its federated data, its model, its strategy.</summary>
public sealed record ExperimentContext(
    string ExperimentId,
    FluteConfig Config,
    FederatedData Data,
    ModelSpec Model,
    ModelLayout Layout)
{
    /// <summary>
    /// The experiment's strategy, built once per silo from the config: the experiment grain's silo runs
    /// the rounds with it (and commits its state); every silo weighs updates for its partial aggregate with it.
    /// </summary>
    public IStrategy Strategy { get; } = StrategyRegistry.Create(Config);

    private IUpdateCodec? _codec;

    /// <summary>
    /// The codec clients encode their updates with (client.codec), resolved once per experiment and bound
    /// to the layout of the strategy's update (the model's tensors, repeated for SCAFFOLD's Δc).
    /// </summary>
    // Built on first use: an initializer cannot read Strategy; a race builds two equal codecs, which is harmless.
    public IUpdateCodec Codec => _codec ??= CodecRegistry.Get(Config.Client.Codec).ForLayout(
        TensorLayout.ForUpdate([.. Layout.Parameters.Select(p => p.Count)], Strategy.UpdateLength(Layout.ParameterCount)));

    /// <summary>The steps clients apply to their updates before encoding (client.update_steps), built once per experiment.</summary>
    public ClientUpdatePipeline UpdateSteps { get; } = ClientUpdatePipeline.From(Config);

    /// <summary>The metrics evaluation reports besides accuracy and loss (server.metrics), built once per experiment; empty when none is configured.</summary>
    public MetricSet Metrics { get; } = MetricSet.From(Config);
}
