using Flute.Core.Strategies;
using TorchSharp.Modules;

namespace Flute.Grains.Torch;

/// <summary>
/// A strategy's client-side hook in local training: it changes the local objective by adjusting each
/// step's gradients before the optimizer uses them (FedProx's proximal term, SCAFFOLD's control-variate
/// correction). Built per job on the trainer thread from the job's <see cref="ClientInstructions"/>,
/// disposed when the job ends; plain training has no hook at all.
/// </summary>
internal abstract class ClientHook : IDisposable
{
    /// <summary>The hook <paramref name="job"/>'s instructions ask for, or null for plain training; call right after the global weights are loaded.</summary>
    /// <exception cref="ArgumentException">The instructions ask for more than one hook.</exception>
    public static ClientHook? Create(TrainJob job, ModelReplica replica) => job.Instructions switch
    {
        { ControlVariates: true, ProximalMu: > 0 } => throw new ArgumentException("a client job cannot combine a proximal term with SCAFFOLD's correction", nameof(job)),
        { ControlVariates: true } => new ControlVariateCorrection(job.GradientCorrection.Span, replica),
        { ProximalMu: > 0 } i => new ProximalTerm(i.ProximalMu, replica.Parameters),
        _ => null,
    };

    /// <summary>Adjusts every parameter's gradient in place (under no_grad, inside the step's dispose scope).</summary>
    public abstract void AdjustGradients(IReadOnlyList<Parameter> parameters);

    public abstract void Dispose();
}
