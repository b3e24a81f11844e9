namespace Flute.Core.Strategies;

/// <summary>FedProx's hyper-parameters (from the config: <c>server.proximal_mu</c>).</summary>
/// <param name="ProximalMu">μ ≥ 0, the weight of the proximal term (μ/2)·‖w − w_global‖²; 0 is FedAvg.</param>
public sealed record FedProxOptions(double ProximalMu = FedProxOptions.DefaultProximalMu)
{
    /// <summary>The default μ (Li et al. try 0.001 to 1; 0.01 is a common middle).</summary>
    public const double DefaultProximalMu = 0.01;
}
