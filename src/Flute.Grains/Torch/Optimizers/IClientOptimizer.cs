namespace Flute.Grains.Torch.Optimizers;

/// <summary>
/// A client optimizer bound to one replica's parameters, owned by that replica's trainer thread. Its
/// state (momentum buffers, moments) is allocated once, outside any dispose scope, and
/// <see cref="Begin"/> zeroes it: a client trains once per round from the global weights, so state
/// never carries from one job to the next.
/// </summary>
public interface IClientOptimizer : IDisposable
{
    /// <summary>The settings this optimizer was built with.</summary>
    ClientOptimizerSettings Settings { get; }

    /// <summary>Starts one client job: state back to zero, <paramref name="lr"/> for its steps.</summary>
    void Begin(double lr);

    /// <summary>
    /// One step from the gradients in the parameters' <c>grad</c> (which it may change in place); call
    /// under <c>no_grad</c> inside the batch's dispose scope. Parameters without a gradient are skipped.
    /// </summary>
    void Step();
}
