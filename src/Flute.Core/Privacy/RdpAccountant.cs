namespace Flute.Core.Privacy;

/// <summary>How clients are drawn each round, which decides the amplification-by-sampling bound.</summary>
public enum SamplingScheme
{
    /// <summary>Each client independently with probability q (Mironov, Talwar, Zhang 2019; add/remove adjacency).</summary>
    Poisson,

    /// <summary>Exactly m of n without replacement (Wang, Balle, Kasiviswanathan 2019 Theorem 9; replace-one adjacency).</summary>
    FixedSize,
}

/// <summary>Which RDP → (ε, δ) conversion <see cref="RdpAccountant.GetEpsilon"/> applies at each order α.</summary>
public enum EpsilonConversion
{
    /// <summary>
    /// Balle, Barthe, Gaboardi, Hsu, Sato 2020 (Theorem 21), as TF Privacy's and Opacus's current accountants use:
    /// ε = RDP(α) + log((α−1)/α) − (log δ + log α)/(α−1). Never larger than <see cref="Classic"/>.
    /// </summary>
    Improved,

    /// <summary>Mironov 2017, Proposition 3: ε = RDP(α) + log(1/δ)/(α−1).</summary>
    Classic,
}

/// <summary>An (ε, δ) guarantee and the RDP order that gave the smallest ε.</summary>
/// <param name="Epsilon">ε ≥ 0 (+∞ when no order gives a finite bound).</param>
/// <param name="Delta">The δ it was computed for.</param>
/// <param name="Order">The optimal order α (NaN when ε is +∞).</param>
public readonly record struct PrivacySpent(double Epsilon, double Delta, double Order);

/// <summary>
/// Rényi-DP accountant: keeps the total RDP at each of a fixed set of orders, adds the RDP of each
/// step (RDP composes by addition), and converts to (ε, δ) by minimizing over the orders. Its whole
/// state is <see cref="Orders"/> and <see cref="TotalRdp"/>, so a checkpoint that stores the totals
/// resumes it exactly.
/// </summary>
public sealed class RdpAccountant
{
    private readonly double[] _orders;
    private readonly double[] _total;

    /// <summary>
    /// The orders TF Privacy's tutorials and Opacus use by default: 1.1, 1.2, …, 10.9 (fractional) and
    /// 12, 13, …, 63 (integer); 151 orders.
    /// </summary>
    public static IReadOnlyList<double> DefaultOrders { get; } = BuildDefaultOrders();

    /// <summary>Creates an accountant with nothing spent.</summary>
    /// <param name="orders">The RDP orders (each &gt; 1); <see cref="DefaultOrders"/> when null.</param>
    public RdpAccountant(IReadOnlyList<double>? orders = null)
    {
        _orders = (orders ?? DefaultOrders).ToArray();
        if (_orders.Length == 0 || _orders.Any(order => !(order > 1) || double.IsInfinity(order)))
        {
            throw new ArgumentException("RDP orders must be a non-empty list of finite numbers greater than 1.", nameof(orders));
        }
        _total = new double[_orders.Length];
    }

    /// <summary>Restores an accountant from its saved totals (one per order, in the order of <paramref name="orders"/>).</summary>
    public RdpAccountant(IReadOnlyList<double> orders, IReadOnlyList<double> totalRdp)
        : this(orders)
    {
        if (totalRdp.Count != _orders.Length || totalRdp.Any(value => !(value >= 0)))
        {
            throw new ArgumentException($"Saved RDP totals must be {_orders.Length} non-negative numbers, one per order.", nameof(totalRdp));
        }
        for (int i = 0; i < _total.Length; i++)
        {
            _total[i] = totalRdp[i];
        }
    }

    /// <summary>The RDP orders α.</summary>
    public IReadOnlyList<double> Orders => _orders;

    /// <summary>The RDP spent so far at each order (same indexing as <see cref="Orders"/>).</summary>
    public IReadOnlyList<double> TotalRdp => _total;

    /// <summary>Adds <paramref name="steps"/> steps of the subsampled Gaussian mechanism.</summary>
    /// <param name="scheme">How the sample is drawn.</param>
    /// <param name="q">The sampling probability (Poisson) or ratio m/n (fixed size).</param>
    /// <param name="noiseMultiplier">z = noise standard deviation / clip norm.</param>
    /// <param name="steps">How many identical steps (≥ 0).</param>
    public void Compose(SamplingScheme scheme, double q, double noiseMultiplier, long steps = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        for (int i = 0; i < _orders.Length; i++)
        {
            double perStep = scheme == SamplingScheme.Poisson
                ? SubsampledGaussian.PoissonRdp(q, noiseMultiplier, _orders[i])
                : SubsampledGaussian.FixedSizeRdp(q, noiseMultiplier, _orders[i]);
            _total[i] += steps * perStep;
        }
    }

    /// <summary>The smallest ε over the orders such that everything composed so far is (ε, δ)-DP.</summary>
    /// <param name="delta">δ in (0, 1).</param>
    /// <param name="conversion">Which RDP → (ε, δ) conversion to apply.</param>
    public PrivacySpent GetEpsilon(double delta, EpsilonConversion conversion = EpsilonConversion.Improved)
    {
        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ must be in (0, 1).");
        }
        double best = double.PositiveInfinity;
        double bestOrder = double.NaN;
        for (int i = 0; i < _orders.Length; i++)
        {
            double epsilon = ToEpsilon(_total[i], _orders[i], delta, conversion);
            if (epsilon < best)
            {
                best = epsilon;
                bestOrder = _orders[i];
            }
        }
        return new PrivacySpent(Math.Max(0, best), delta, bestOrder);
    }

    /// <summary>The (ε, δ) that an RDP of <paramref name="rdp"/> at order <paramref name="order"/> implies.</summary>
    public static double ToEpsilon(double rdp, double order, double delta, EpsilonConversion conversion)
    {
        if (double.IsPositiveInfinity(rdp))
        {
            return double.PositiveInfinity;
        }
        return conversion switch
        {
            EpsilonConversion.Classic => rdp + Math.Log(1 / delta) / (order - 1),
            _ => rdp + Math.Log((order - 1) / order) - (Math.Log(delta) + Math.Log(order)) / (order - 1),
        };
    }

    private static double[] BuildDefaultOrders()
    {
        var orders = new List<double>();
        for (int x = 1; x < 100; x++)
        {
            orders.Add(1 + x / 10.0);
        }
        for (int order = 12; order < 64; order++)
        {
            orders.Add(order);
        }
        return orders.ToArray();
    }
}
