namespace Flute.Core.Strategies;

/// <summary>
/// FedProx: each client minimises its loss plus the proximal term (μ/2)·‖w − w_global‖², which keeps
/// local models near the global one on heterogeneous data; the server averages like FedAvg (weights =
/// sample counts). Li, Sahu, Zaheer, Sanjabi, Talwalkar and Smith, "Federated Optimization in
/// Heterogeneous Networks", MLSys 2020, arXiv:1812.06127.
/// </summary>
public sealed class FedProx : WeightedSumStrategy
{
    /// <summary>The registered name.</summary>
    public const string StrategyName = "fedprox";

    private readonly ClientInstructions _instructions;

    /// <summary>Creates FedProx with its options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">μ is negative or not finite.</exception>
    public FedProx(FedProxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.ProximalMu >= 0) || double.IsInfinity(options.ProximalMu))
            throw new ArgumentOutOfRangeException(nameof(options), options.ProximalMu, "proximal mu must be finite and ≥ 0");
        Options = options;
        _instructions = new ClientInstructions(ProximalMu: options.ProximalMu);
    }

    /// <summary>The options this instance runs with.</summary>
    public FedProxOptions Options { get; }

    /// <inheritdoc />
    public override string Name => StrategyName;

    /// <inheritdoc />
    public override double ClientWeight(in ClientUpdateInfo info) => info.SampleCount;

    /// <inheritdoc />
    public override ClientInstructions ConfigureRound(int round) => _instructions;

    /// <summary>
    /// The gradient of FedProx's local objective from the loss gradient:
    /// <c>∇f(w) + μ·(w − w_global)</c>, in place in <paramref name="gradient"/>. The reference the
    /// client hook (Flute.Grains.Torch.ProximalTerm) computes with tensors.
    /// </summary>
    public static void AddProximalGradient(Span<float> gradient, ReadOnlySpan<float> local, ReadOnlySpan<float> global, float mu)
    {
        if (local.Length != gradient.Length || global.Length != gradient.Length)
            throw new ArgumentException("gradient, local and global weights must have the same length");
        for (int i = 0; i < gradient.Length; i++) gradient[i] += mu * (local[i] - global[i]);
    }
}
