namespace Flute.Core.ServerOptimizers;

/// <summary>
/// Hyper-parameters of the adaptive server optimizers FedAdam, FedYogi and FedAdagrad (Reddi, Charles,
/// Zaheer, Garrett, Rush, Konečný, Kumar and McMahan, "Adaptive Federated Optimization", ICLR 2021,
/// arXiv:2003.00295). Defaults are the paper's: β1 = 0.9, β2 = 0.99 and τ = 10⁻³, the values fixed while
/// it tunes the learning rates (it studies τ separately). The paper tunes η per task on a grid, so η
/// has no default here: server.lr picks one per optimizer when it is not set
/// (<see cref="ServerOptimizerDefaults"/>).
/// </summary>
/// <param name="LearningRate">Server learning rate η (finite, &gt; 0).</param>
/// <param name="Beta1">First-moment decay β1 in [0, 1).</param>
/// <param name="Beta2">Second-moment decay β2 in [0, 1); FedAdagrad does not use it.</param>
/// <param name="Tau">Adaptivity τ (finite, &gt; 0): added to √v in the step, and v starts at τ².</param>
public sealed record AdaptiveOptimizerOptions(double LearningRate, double Beta1 = AdaptiveOptimizerOptions.DefaultBeta1,
    double Beta2 = AdaptiveOptimizerOptions.DefaultBeta2, double Tau = AdaptiveOptimizerOptions.DefaultTau)
{
    /// <summary>β1 of the paper's experiments.</summary>
    public const double DefaultBeta1 = 0.9;

    /// <summary>β2 of the paper's experiments.</summary>
    public const double DefaultBeta2 = 0.99;

    /// <summary>τ of the paper's experiments.</summary>
    public const double DefaultTau = 1e-3;

    /// <summary>Checks every value and names the first one out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        if (!double.IsFinite(LearningRate) || LearningRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be finite and positive.");
        }
        if (!(Beta1 >= 0 && Beta1 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Beta1), Beta1, "beta1 must be in [0, 1).");
        }
        if (!(Beta2 >= 0 && Beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Beta2), Beta2, "beta2 must be in [0, 1).");
        }
        if (!double.IsFinite(Tau) || Tau <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Tau), Tau, "tau must be finite and positive.");
        }
    }
}
