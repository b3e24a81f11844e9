using Flute.Core.Configuration;
using TorchSharp.Modules;

namespace Flute.Grains.Torch;

/// <summary>What a client optimizer is built from: the replica's parameters and the client section of the config.</summary>
/// <param name="Parameters">The parameters local training updates.</param>
/// <param name="Client">client.* settings (lr and the optimizer's own keys).</param>
public sealed record ClientOptimizerContext(IReadOnlyList<Parameter> Parameters, ClientSection Client);
