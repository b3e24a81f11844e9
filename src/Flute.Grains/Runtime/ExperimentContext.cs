using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Grains.Torch;

namespace Flute.Grains.Runtime;

/// <summary>What a silo knows about a running experiment: its config, its federated data, its model.</summary>
public sealed record ExperimentContext(
    string ExperimentId,
    FluteConfig Config,
    FederatedData Data,
    ModelSpec Model,
    ModelLayout Layout);
