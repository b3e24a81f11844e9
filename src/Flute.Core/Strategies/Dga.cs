using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Flute.Core.Aggregation;

namespace Flute.Core.Strategies;

/// <summary>
/// Dynamic Gradient Aggregation: the round's update is the mean of the clients' pseudo-gradients weighted
/// by softmax(−β·ℓ_k), ℓ_k a client's per-sample training loss, so clients the model already fits count
/// more. Dimitriadis, Kumatani, Gmyr, Gaur and Eskimez, "Dynamic Gradient Aggregation for Federated
/// Domain Adaptation", 2021, arXiv:2106.07578; as Microsoft's FLUTE implements it (core/strategies/dga.py,
/// server_config.softmax_beta and stale_prob).
/// </summary>
/// <remarks>
/// <para>
/// <b>Weights on the exact weighted-sum path</b> (stale updates off, the default). A softmax is a weighted
/// mean with weights exp(−β·(ℓ_k − r)) for any fixed reference r, and FLUTE itself sends each client's
/// unnormalised exp(−β·ℓ_k) and divides by their sum. A cohort-wide shift (the smallest loss) is not known
/// while updates are folded as they arrive, on silos too, so the reference here is fixed: the weight is
/// 2^10·exp(−β·max(ℓ_k, 0)), a pure function of the client's loss (thread-safe, independent of arrival
/// order and of the split across silos). The scale 2^10 keeps weights in FedAvg's range (sample counts)
/// for the fixed-point accumulator: Σw ≤ 1024 per client, far below its 2^27 limit, and a weight is
/// resolved down to 2^-36, so β·ℓ up to about 31.9 counts; a larger β·ℓ (or a NaN or infinite loss)
/// gives weight 0 and the update is rejected and counted, as FLUTE drops a client whose weight underflows
/// to 0. The mean is accurate to about 2^-37·e^(β·ℓ_min)/1024 per parameter, so choose β with β·ℓ of the
/// best client below ~15. Cross-entropy is never negative; a negative loss counts as 0 (FLUTE caps
/// weights at 100 for the same reason).
/// </para>
/// <para>
/// <b>The loss.</b> ℓ_k is Flute's reported training loss: the sample-weighted mean cross-entropy over the
/// client's local steps. FLUTE divides the sum of its batch means by the sample count, which is this loss
/// divided by the batch size B, so FLUTE's softmax_beta b corresponds to β = b / B here.
/// </para>
/// <para>
/// <b>Stale updates</b> (<see cref="DgaOptions.StaleProbability"/> p &gt; 0): as in FLUTE, each client's
/// update is held back with probability p (a seeded draw per seed, round and client:
/// <see cref="StaleUpdateSelection"/>) and joins the next round's aggregate — numerator and weight —
/// whatever that round draws. The held-back updates are the strategy's state, exported into every
/// round's checkpoint and imported on resume. A silo's partial sum cannot keep them apart, so with p &gt; 0
/// the strategy takes the buffered path (never folded on silos): memory cohort × parameters × 4 bytes on
/// the experiment grain's silo, plus about p × cohort × parameters × 4 bytes held from round to round
/// (and written with each checkpoint). There the weights are the exact softmax over this round's kept
/// updates and last round's held-back ones, shifted by their smallest loss (no underflow), summed in
/// double in client-id order (held-back first). A round whose updates are all held back and that has
/// none from the round before gives a zero pseudo-gradient (FLUTE divides by a zero weight sum there).
/// </para>
/// </remarks>
public sealed class Dga : IStrategy
{
    /// <summary>The registered name.</summary>
    public const string StrategyName = "dga";

    /// <summary>The weight of a client with zero loss on the weighted-sum path (2^10).</summary>
    public const double WeightScale = 1024;

    private const int StateVersion = 1;
    private const int StateHeaderBytes = 3 * sizeof(int);
    private const int EntryHeaderBytes = sizeof(long) + sizeof(double);

    private readonly ulong _seed;
    private List<StaleUpdate> _stale = [];
    private int _round;

    /// <summary>Creates DGA with its options; <paramref name="seed"/> (experiment.seed) seeds the stale draws.</summary>
    /// <exception cref="ArgumentOutOfRangeException">β is negative or not finite, or the stale probability is outside [0, 1].</exception>
    public Dga(DgaOptions options, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.Beta >= 0) || double.IsInfinity(options.Beta))
            throw new ArgumentOutOfRangeException(nameof(options), options.Beta, "DGA's beta must be finite and ≥ 0");
        if (!(options.StaleProbability is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(options), options.StaleProbability, "DGA's stale probability must be in [0, 1]");
        Options = options;
        _seed = seed;
    }

    /// <summary>The options this instance runs with.</summary>
    public DgaOptions Options { get; }

    /// <inheritdoc />
    public string Name => StrategyName;

    /// <summary>The weighted sum without stale updates; buffered with them (a silo's partial cannot hold updates back).</summary>
    public AggregatorKind Aggregator => Options.StaleProbability > 0 ? AggregatorKind.Buffered : AggregatorKind.WeightedSum;

    /// <summary>Updates held back from the last aggregated round, waiting for the next one.</summary>
    public int StaleCount => _stale.Count;

    /// <inheritdoc />
    public ClientInstructions ConfigureRound(int round)
    {
        // The round names the stale draws of this round's Aggregate.
        _round = round;
        return ClientInstructions.None;
    }

    /// <summary>2^10·exp(−β·max(ℓ, 0)); 0 (rejected) for a NaN or infinite loss or below the accumulator's resolution.</summary>
    public double ClientWeight(in ClientUpdateInfo info) => Weight(info.Loss, Options.Beta);

    /// <summary>The weighted-sum weight of a client with per-sample training loss <paramref name="loss"/>.</summary>
    public static double Weight(double loss, double beta) =>
        double.IsFinite(loss) ? WeightScale * DynamicGradientWeights.ClientWeight(Math.Max(loss, 0), beta) : 0;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">Stale updates are off (the weighted-sum path), or no round was configured.</exception>
    public void Aggregate(IReadOnlyList<ClientUpdate> updatesByClientId, Span<float> pseudoGradient)
    {
        ArgumentNullException.ThrowIfNull(updatesByClientId);
        if (Aggregator != AggregatorKind.Buffered)
            throw new InvalidOperationException($"strategy '{Name}' without stale updates aggregates a running weighted sum, not buffered updates");
        if (_round <= 0)
            throw new InvalidOperationException($"strategy '{Name}': ConfigureRound must name the round before Aggregate");

        var losses = new List<double>();
        var updates = new List<ReadOnlyMemory<float>>();
        foreach (StaleUpdate held in _stale)
        {
            losses.Add(Math.Max(held.Loss, 0));
            updates.Add(held.Update);
        }
        var deferred = new List<StaleUpdate>();
        foreach (ClientUpdate update in updatesByClientId)
        {
            if (update.Update.Length != pseudoGradient.Length)
                throw new ArgumentException($"DGA: client {update.ClientId} sent {update.Update.Length} values; the model has {pseudoGradient.Length}", nameof(updatesByClientId));
            // A client without a finite loss has no weight (FLUTE drops it); it is not held back either.
            if (!double.IsFinite(update.Loss)) continue;
            if (StaleUpdateSelection.IsDeferred(_seed, _round, update.ClientId, Options.StaleProbability))
            {
                deferred.Add(new StaleUpdate(update.ClientId, update.Loss, update.Update.ToArray()));
                continue;
            }
            losses.Add(Math.Max(update.Loss, 0));
            updates.Add(update.Update);
        }
        _stale = deferred;
        WeightedMean(losses, updates, Options.Beta, pseudoGradient);
    }

    /// <inheritdoc />
    public int UpdateLength(int parameters) => parameters;

    /// <inheritdoc />
    public void FinishUpdate(int round, int clients, Span<float> update)
    {
    }

    /// <inheritdoc />
    public ReadOnlyMemory<float> VersionState => ReadOnlyMemory<float>.Empty;

    /// <inheritdoc />
    public void FinishAggregate(int round, Span<float> pseudoGradient)
    {
    }

    /// <summary>
    /// The held-back updates (null when there are none): version, count and length as int32, then per
    /// update its client id (int64), loss (float64) and values (float32), all little-endian.
    /// </summary>
    public byte[]? ExportState()
    {
        if (_stale.Count == 0) return null;
        int length = _stale[0].Update.Length;
        var bytes = new byte[StateHeaderBytes + _stale.Count * (EntryHeaderBytes + length * sizeof(float))];
        Span<byte> span = bytes;
        BinaryPrimitives.WriteInt32LittleEndian(span, StateVersion);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], _stale.Count);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], length);
        int at = StateHeaderBytes;
        foreach (StaleUpdate held in _stale)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[at..], held.ClientId);
            BinaryPrimitives.WriteDoubleLittleEndian(span[(at + sizeof(long))..], held.Loss);
            at += EntryHeaderBytes;
            foreach (float value in held.Update)
            {
                BinaryPrimitives.WriteSingleLittleEndian(span[at..], value);
                at += sizeof(float);
            }
        }
        return bytes;
    }

    /// <inheritdoc />
    public void ImportState(byte[]? state)
    {
        _round = 0;
        if (state is null)
        {
            _stale = [];
            return;
        }
        if (Aggregator != AggregatorKind.Buffered)
            throw new ArgumentException($"strategy '{Name}' holds no stale updates at server.dga_stale_prob 0, but the checkpoint holds {state.Length} bytes of them", nameof(state));
        ReadOnlySpan<byte> span = state;
        if (span.Length < StateHeaderBytes || BinaryPrimitives.ReadInt32LittleEndian(span) != StateVersion)
            throw new ArgumentException($"strategy '{Name}': the checkpoint's state ({state.Length} bytes) is not DGA state version {StateVersion}", nameof(state));
        int count = BinaryPrimitives.ReadInt32LittleEndian(span[4..]);
        int length = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        long expected = count <= 0 || length < 0 ? -1 : StateHeaderBytes + (long)count * (EntryHeaderBytes + (long)length * sizeof(float));
        if (expected != span.Length)
            throw new ArgumentException($"strategy '{Name}': the checkpoint's state holds {state.Length} bytes, not {count} updates of {length} values", nameof(state));
        var stale = new List<StaleUpdate>(count);
        int at = StateHeaderBytes;
        for (int k = 0; k < count; k++)
        {
            long client = BinaryPrimitives.ReadInt64LittleEndian(span[at..]);
            double loss = BinaryPrimitives.ReadDoubleLittleEndian(span[(at + sizeof(long))..]);
            at += EntryHeaderBytes;
            var values = MemoryMarshal.Cast<byte, float>(span.Slice(at, length * sizeof(float))).ToArray();
            if (!BitConverter.IsLittleEndian)
                throw new PlatformNotSupportedException("Reading float32 state needs a little-endian machine.");
            at += length * sizeof(float);
            if (!double.IsFinite(loss) || !Array.TrueForAll(values, float.IsFinite))
                throw new ArgumentException($"strategy '{Name}': held-back update {k} (client {client}) in the checkpoint is not finite", nameof(state));
            stale.Add(new StaleUpdate(client, loss, values));
        }
        _stale = stale;
    }

    /// <summary>
    /// Σ_k softmax(−β·ℓ)_k · g_k into <paramref name="destination"/>, summed in double in list order; zero
    /// when there is no update.
    /// </summary>
    private static void WeightedMean(List<double> losses, List<ReadOnlyMemory<float>> updates, double beta, Span<float> destination)
    {
        if (updates.Count == 0)
        {
            destination.Clear();
            return;
        }
        double[] weights = DynamicGradientWeights.Softmax(losses, beta);
        var sums = new double[destination.Length];
        for (int k = 0; k < updates.Count; k++)
        {
            double w = weights[k];
            ReadOnlySpan<float> g = updates[k].Span;
            for (int i = 0; i < sums.Length; i++) sums[i] += w * g[i];
        }
        for (int i = 0; i < sums.Length; i++) destination[i] = (float)sums[i];
    }

    /// <summary>One update held back for the next round.</summary>
    private sealed record StaleUpdate(long ClientId, double Loss, float[] Update);
}
