using Flute.Core.Strategies;
using TorchSharp.Modules;

namespace Flute.Grains.Torch;

/// <summary>
/// A strategy's client-side hook in local training: it changes the local objective by adjusting each
/// step's gradients before the optimizer uses them (FedProx's proximal term; SCAFFOLD's correction
/// later). Built per job on the trainer thread from the request's <see cref="ClientInstructions"/>,
/// disposed when the job ends; plain training has no hook at all.
/// </summary>
internal abstract class ClientHook : IDisposable
{
    /// <summary>The hook <paramref name="instructions"/> ask for, or null for plain training; call right after the global weights are loaded.</summary>
    public static ClientHook? Create(ClientInstructions? instructions, ModelReplica replica) =>
        instructions is { ProximalMu: > 0 } i ? new ProximalTerm(i.ProximalMu, replica.Parameters) : null;

    /// <summary>Adjusts every parameter's gradient in place (under no_grad, inside the step's dispose scope).</summary>
    public abstract void AdjustGradients(IReadOnlyList<Parameter> parameters);

    public abstract void Dispose();
}
