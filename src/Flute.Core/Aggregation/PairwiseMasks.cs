using System.Runtime.InteropServices;
using Flute.Core.Randomness;

namespace Flute.Core.Aggregation;

/// <summary>
/// One round's pairwise masks for simulated secure aggregation (Bonawitz et al. 2017): every pair
/// (i, j) of the round's mask cohort shares a stream m_ij seeded by (experiment seed, round, min(i, j),
/// max(i, j)) under <see cref="StreamPurpose.SecureAggregationMask"/>; the lower id adds m_ij, the
/// higher subtracts it, modulo 2^64. Summed over the whole cohort the masks cancel exactly. When some
/// members send nothing (dropped out, rejected), the server removes the masks its survivors shared
/// with them — the real protocol recovers those seeds from secret shares; the simulation re-derives them.
/// </summary>
/// <remarks>
/// Cost: each client draws (K − 1) · d 64-bit values for a cohort of K and an update of d values, so
/// K(K − 1) · d per round in total; the server draws |survivors| · |non-survivors| · d more.
/// </remarks>
public sealed class PairwiseMasks
{
    /// <summary>The payload codec name of a masked fixed-point update: one little-endian long per value.</summary>
    public const string CodecName = "masked_fixed64";

    private readonly long[] _cohort;

    /// <summary>The masks of <paramref name="round"/> among <paramref name="cohort"/> (distinct client ids).</summary>
    /// <exception cref="ArgumentException">The cohort holds a client twice.</exception>
    public PairwiseMasks(ulong seed, int round, IReadOnlyList<long> cohort)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        _cohort = [.. cohort];
        if (new HashSet<long>(_cohort).Count != _cohort.Length)
            throw new ArgumentException("the mask cohort holds a client twice", nameof(cohort));
        Seed = seed;
        Round = round;
    }

    /// <summary>The experiment's seed.</summary>
    public ulong Seed { get; }

    /// <summary>The round the masks belong to.</summary>
    public int Round { get; }

    /// <summary>The clients that share masks this round.</summary>
    public IReadOnlyList<long> Cohort => _cohort;

    /// <summary>Adds <paramref name="client"/>'s masks to its fixed-point update: +m_ij for every j above it, −m_ij below.</summary>
    /// <exception cref="ArgumentException"><paramref name="client"/> is not in the cohort.</exception>
    public void Mask(Span<long> values, long client)
    {
        if (Array.IndexOf(_cohort, client) < 0)
            throw new ArgumentException($"client {client} is not in round {Round}'s mask cohort", nameof(client));
        foreach (long other in _cohort)
        {
            if (other != client) AddStream(values, PairKey(client, other), negate: client > other);
        }
    }

    /// <summary>
    /// The client's whole step: <paramref name="weight"/> · <paramref name="update"/> as the fold's
    /// fixed-point integers (<see cref="FixedPointAccumulator.TryConvert"/>), masked, written as
    /// little-endian longs into <paramref name="destination"/> (8 bytes per value). A rejected update
    /// writes nothing usable and returns the fold's reason; the client then sends nothing.
    /// </summary>
    public FoldStatus TryWriteMasked(ReadOnlySpan<float> update, double weight, Span<byte> destination, long client)
    {
        if (destination.Length != update.Length * sizeof(long))
            throw new ArgumentException($"a masked update of {update.Length} values needs {update.Length * sizeof(long)} bytes, not {destination.Length}", nameof(destination));
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Writing masked payloads in place needs a little-endian machine.");
        Span<long> values = MemoryMarshal.Cast<byte, long>(destination);
        FoldStatus status = FixedPointAccumulator.TryConvert(update, weight, values);
        if (status == FoldStatus.Folded) Mask(values, client);
        return status;
    }

    /// <summary>
    /// Removes from <paramref name="sums"/> (the masked sum of the survivors' updates) every mask a
    /// survivor shared with a cohort member that is not a survivor; returns how many pairs that was.
    /// </summary>
    /// <exception cref="ArgumentException">A survivor is not in the cohort.</exception>
    public int RemoveLeftover(Span<long> sums, IReadOnlySet<long> survivors)
    {
        ArgumentNullException.ThrowIfNull(survivors);
        int members = 0;
        foreach (long client in _cohort)
            if (survivors.Contains(client)) members++;
        if (members != survivors.Count)
            throw new ArgumentException($"round {Round}: {survivors.Count - members} folded client(s) are not in the mask cohort", nameof(survivors));
        int pairs = 0;
        foreach (long survivor in _cohort)
        {
            if (!survivors.Contains(survivor)) continue;
            foreach (long missing in _cohort)
            {
                if (survivors.Contains(missing)) continue;
                // The survivor added this mask with sign (survivor < missing ? + : −); take it back.
                AddStream(sums, PairKey(survivor, missing), negate: survivor < missing);
                pairs++;
            }
        }
        return pairs;
    }

    /// <summary>The stream key of the pair {a, b}: the same whichever of the two asks.</summary>
    public ulong PairKey(long a, long b)
    {
        long low = Math.Min(a, b), high = Math.Max(a, b);
        ulong first = DeterministicRandom.DeriveKey(Seed, StreamPurpose.SecureAggregationMask, Round, low);
        return DeterministicRandom.DeriveKey(first, StreamPurpose.SecureAggregationMask, Round, high);
    }

    private static void AddStream(Span<long> values, ulong key, bool negate)
    {
        var stream = new DeterministicRandom(key);
        if (negate)
        {
            for (int i = 0; i < values.Length; i++) values[i] = unchecked(values[i] - (long)stream.NextUInt64());
        }
        else
        {
            for (int i = 0; i < values.Length; i++) values[i] = unchecked(values[i] + (long)stream.NextUInt64());
        }
    }
}
