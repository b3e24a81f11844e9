using Flute.Grains.Torch.Optimizers;
using TorchSharp.Modules;

namespace Flute.Grains.Torch;

/// <summary>What a client optimizer is built from: its settings and the replica's parameters.</summary>
/// <param name="Settings">The optimizer's name and hyper-parameters (the learning rate comes per round).</param>
/// <param name="Parameters">The parameters local training updates.</param>
public sealed record ClientOptimizerContext(ClientOptimizerSettings Settings, IReadOnlyList<Parameter> Parameters);
