using Flute.Core.Aggregation;

namespace Flute.Core.Strategies;

/// <summary>
/// q-Fair Federated Learning, with the q-FedAvg server step: w ← w − Σ_k Δ_k / Σ_k h_k, where
/// Δw_k = L·g_k (g_k = global − local, the client's pseudo-gradient), Δ_k = F_k^q·Δw_k and
/// h_k = q·F_k^(q−1)·‖Δw_k‖² + L·F_k^q; clients with a higher loss F_k weigh more as q grows (q = 0 is the
/// plain mean of the pseudo-gradients). Li, Sanjabi, Beirami and Smith, "Fair Resource Allocation in
/// Federated Learning", ICLR 2020, arXiv:1905.10497 (Algorithm 3).
/// </summary>
/// <remarks>
/// <para>
/// The aggregate is the q-FedAvg step itself: apply it with server.optimizer sgd at server.lr 1 (the
/// default) to follow the paper. Its denominator sums h over the cohort and needs every ‖Δw_k‖², so the
/// updates are buffered (never folded on silos) and combined in client-id order, in double: the result
/// does not depend on arrival order. Memory: cohort × parameters × 4 bytes on the experiment grain's silo.
/// </para>
/// <para>
/// <b>The loss F_k.</b> The paper's F_k is the global model's loss on client k's training data, before
/// local training (its code evaluates it separately). Flute reports the sample-weighted mean training loss
/// over the client's local steps: it starts at F_k (the first batch is seen by the global model) and
/// falls as the client trains, so it is lower than F_k, the more so the more local steps. The ranking of
/// clients by loss mostly survives, but F^q and the step size Σ Δ / Σ h shift with it; with q = 1 the
/// pseudo-gradients' weights are the training losses. As in the paper's code, 10^-10 is added to every
/// loss (so a zero loss with q &lt; 1 stays finite). A client whose loss is NaN, infinite or negative is
/// left out of the step (its update counts as taken in the round's metrics); when none is left the
/// pseudo-gradient is zero.
/// </para>
/// <para>
/// Sampling: the paper samples clients with probability proportional to their data share; Flute samples
/// cohorts uniformly, and, as in the paper's step, sample counts do not weigh the updates.
/// </para>
/// </remarks>
public sealed class QFfl : BufferedStrategy
{
    /// <summary>The registered name.</summary>
    public const string StrategyName = "qffl";

    /// <summary>Added to every loss, as the paper's code does (loss + 1e-10).</summary>
    public const double LossEpsilon = 1e-10;

    /// <summary>Creates q-FFL with its options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">q is negative or not finite, or L is not finite and positive.</exception>
    public QFfl(QFflOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.Q >= 0) || double.IsInfinity(options.Q))
            throw new ArgumentOutOfRangeException(nameof(options), options.Q, "q-FFL's q must be finite and ≥ 0");
        if (!(options.Lipschitz > 0) || double.IsInfinity(options.Lipschitz))
            throw new ArgumentOutOfRangeException(nameof(options), options.Lipschitz, "q-FFL's Lipschitz constant L must be finite and > 0");
        Options = options;
    }

    /// <summary>The options this instance runs with.</summary>
    public QFflOptions Options { get; }

    /// <inheritdoc />
    public override string Name => StrategyName;

    /// <inheritdoc />
    public override void Aggregate(IReadOnlyList<ClientUpdate> updatesByClientId, Span<float> pseudoGradient)
    {
        ArgumentNullException.ThrowIfNull(updatesByClientId);
        var updates = new List<ReadOnlyMemory<float>>(updatesByClientId.Count);
        var losses = new List<double>(updatesByClientId.Count);
        foreach (ClientUpdate update in updatesByClientId)
        {
            if (!double.IsFinite(update.Loss) || update.Loss < 0) continue;
            updates.Add(update.Update);
            losses.Add(update.Loss + LossEpsilon);
        }
        if (updates.Count == 0)
        {
            pseudoGradient.Clear();
            return;
        }
        QFairAggregation.Aggregate(updates, losses, Options.Q, Options.Lipschitz, pseudoGradient);
    }

    /// <summary>Client k's weight L·F^q on its pseudo-gradient and its term h_k of the denominator (the paper's formulas, with F = loss + 10^-10).</summary>
    public QFairClientTerms ClientTerms(double loss, ReadOnlySpan<float> pseudoGradient) =>
        QFairAggregation.ClientTerms(loss + LossEpsilon, pseudoGradient, Options.Q, Options.Lipschitz);
}
