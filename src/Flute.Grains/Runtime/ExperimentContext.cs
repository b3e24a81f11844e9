using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Strategies;
using Flute.Grains.Torch;

namespace Flute.Grains.Runtime;

/// <summary>What a silo knows about a running experiment: its config, its federated data, its model.</summary>
public sealed record ExperimentContext(
    string ExperimentId,
    FluteConfig Config,
    FederatedData Data,
    ModelSpec Model,
    ModelLayout Layout)
{
    /// <summary>The strategy that weighs updates, for folding them into this silo's partial aggregate.</summary>
    public IStrategy Strategy { get; } = StrategyRegistry.Create(Config.Server.Strategy);
}
