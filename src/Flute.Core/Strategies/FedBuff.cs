using System.Runtime.InteropServices;

namespace Flute.Core.Strategies;

/// <summary>
/// FedBuff, buffered asynchronous aggregation: Nguyen, Malik, Zhan, Yousefpour, Rabbat, Malek and
/// Huba, "Federated Learning with Buffered Asynchronous Aggregation", AISTATS 2022, arXiv:2106.06639.
/// Up to C clients train at once; the server steps every M arrivals, in virtual-time order
/// (docs/heterogeneity.md), with the pseudo-gradient (1/M)·Σ w(s_i)·Δ_i, w(s) = 1/√(1 + s) for an update
/// trained from a model s steps old.
/// </summary>
/// <remarks>
/// In a simulation a client's work is a pure function of the model it downloaded, so a client is trained
/// as soon as it is dispatched (from the current model) and its update is held, in flight, until its
/// virtual arrival time. One Flute "round" is one server step: the round's cohort is the clients
/// dispatched to refill the C slots (C at the first step, then the M that arrived), and
/// <see cref="Aggregate"/> takes them in flight and applies the first M arrivals (ties: lower client id).
/// The in-flight updates, the step count and the virtual time are the strategy's state, committed with
/// every round, so a resumed run continues bit for bit. Memory: C × parameters × 4 bytes, and as much in
/// each checkpoint.
/// </remarks>
public sealed class FedBuff : BufferedStrategy
{
    /// <summary>The registered name.</summary>
    public const string StrategyName = "fedbuff";

    private const int StateVersion = 1;

    private List<InFlightUpdate> _inFlight = [];
    private Dictionary<long, double> _dispatched = [];
    private long _steps;

    /// <summary>Creates FedBuff with its options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">C or M is below 1, or M exceeds C.</exception>
    public FedBuff(FedBuffOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Concurrency < 1 || options.BufferSize < 1 || options.BufferSize > options.Concurrency)
            throw new ArgumentOutOfRangeException(nameof(options), options, "FedBuff needs 1 ≤ buffer ≤ concurrency");
        Options = options;
    }

    /// <summary>The options this instance runs with.</summary>
    public FedBuffOptions Options { get; }

    /// <inheritdoc />
    public override string Name => StrategyName;

    /// <summary>Virtual seconds at the last server step (0 before the first): when the next clients are dispatched.</summary>
    public double Now { get; private set; }

    /// <summary>Clients to dispatch now to have C in flight.</summary>
    public int FreeSlots => Options.Concurrency - _inFlight.Count;

    /// <summary>Whether <paramref name="clientId"/> is training (it cannot be dispatched twice).</summary>
    public bool IsInFlight(long clientId) => _inFlight.Exists(u => u.ClientId == clientId);

    /// <summary>The last server step: updates applied and their mean staleness (null before any step of this activation).</summary>
    public (int Clients, double MeanStaleness)? LastStep { get; private set; }

    /// <summary>Records the clients dispatched at <see cref="Now"/> and when each would arrive (seconds after dispatch).</summary>
    public void Dispatch(IReadOnlyDictionary<long, double> completionSeconds)
    {
        _dispatched = completionSeconds.ToDictionary(p => p.Key, p => Now + p.Value);
        LastStep = null;
    }

    /// <inheritdoc />
    public override void Aggregate(IReadOnlyList<ClientUpdate> updatesByClientId, Span<float> pseudoGradient)
    {
        foreach (ClientUpdate u in updatesByClientId)
        {
            if (!_dispatched.TryGetValue(u.ClientId, out double arrival))
                throw new InvalidOperationException($"FedBuff got an update of client {u.ClientId}, which was not dispatched this step");
            _inFlight.Add(new InFlightUpdate(u.ClientId, _steps, arrival, u.Update.ToArray()));
        }
        _dispatched = [];
        _inFlight.Sort((a, b) => a.Arrival != b.Arrival ? a.Arrival.CompareTo(b.Arrival) : a.ClientId.CompareTo(b.ClientId));
        int take = Math.Min(Options.BufferSize, _inFlight.Count);
        var sums = new double[pseudoGradient.Length];
        long stalenessSum = 0;
        for (int k = 0; k < take; k++)
        {
            InFlightUpdate arrived = _inFlight[k];
            long staleness = _steps - arrived.Version;
            stalenessSum += staleness;
            double w = FedBuffOptions.StalenessWeight(staleness) / take;
            float[] g = arrived.Update;
            for (int i = 0; i < sums.Length; i++) sums[i] += w * g[i];
        }
        for (int i = 0; i < sums.Length; i++) pseudoGradient[i] = (float)sums[i];
        Now = _inFlight[take - 1].Arrival;
        _inFlight.RemoveRange(0, take);
        _steps++;
        LastStep = (take, (double)stalenessSum / take);
    }

    /// <inheritdoc />
    public override byte[]? ExportState()
    {
        using var bytes = new MemoryStream();
        using (var w = new BinaryWriter(bytes))
        {
            w.Write(StateVersion);
            w.Write(_steps);
            w.Write(Now);
            w.Write(_inFlight.Count);
            foreach (InFlightUpdate u in _inFlight)
            {
                w.Write(u.ClientId);
                w.Write(u.Version);
                w.Write(u.Arrival);
                w.Write(u.Update.Length);
                w.Write(MemoryMarshal.AsBytes(u.Update.AsSpan()));
            }
        }
        return bytes.ToArray();
    }

    /// <inheritdoc />
    public override void ImportState(byte[]? state)
    {
        _dispatched = [];
        LastStep = null;
        if (state is null)
        {
            _inFlight = [];
            _steps = 0;
            Now = 0;
            return;
        }
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Reading float32 state needs a little-endian machine.");
        try
        {
            using var r = new BinaryReader(new MemoryStream(state));
            if (r.ReadInt32() != StateVersion) throw new ArgumentException($"strategy '{Name}': the checkpoint's state is not FedBuff state version {StateVersion}", nameof(state));
            long steps = r.ReadInt64();
            double now = r.ReadDouble();
            int count = r.ReadInt32();
            var inFlight = new List<InFlightUpdate>(count);
            for (int k = 0; k < count; k++)
            {
                long client = r.ReadInt64(), version = r.ReadInt64();
                double arrival = r.ReadDouble();
                int length = r.ReadInt32();
                float[] update = MemoryMarshal.Cast<byte, float>(r.ReadBytes(length * sizeof(float))).ToArray();
                if (update.Length != length) throw new EndOfStreamException();
                inFlight.Add(new InFlightUpdate(client, version, arrival, update));
            }
            if (r.BaseStream.Position != state.Length) throw new ArgumentException($"strategy '{Name}': {state.Length - r.BaseStream.Position} stray bytes after the checkpoint's state", nameof(state));
            (_steps, Now, _inFlight) = (steps, now, inFlight);
        }
        catch (EndOfStreamException)
        {
            throw new ArgumentException($"strategy '{Name}': the checkpoint's state ({state.Length} bytes) is cut short", nameof(state));
        }
    }

    /// <summary>An update trained from version <paramref name="Version"/> (server steps done at dispatch), arriving at <paramref name="Arrival"/> virtual seconds.</summary>
    private sealed record InFlightUpdate(long ClientId, long Version, double Arrival, float[] Update);
}
