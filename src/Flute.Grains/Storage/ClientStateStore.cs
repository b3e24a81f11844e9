using System.Globalization;
using Flute.Core.Persistence;

namespace Flute.Grains.Storage;

/// <summary>
/// Per-client state for algorithms that need it (SCAFFOLD control variates, error-feedback
/// residuals): written by a client grain for the round it trained, read back by the same client in a
/// later round. SCAFFOLD keeps its client control variates c_i here; the client grain asks the silo for
/// this service only when its instructions need it. Registered for every storage provider: the
/// checkpoint store's backend (<see cref="CheckpointClientStateStore"/>) or, without storage, the
/// silo's memory (<see cref="MemoryClientStateStore"/>).
/// </summary>
/// <remarks>
/// State is versioned by round rather than overwritten, which is what keeps resume exact: a round that
/// crashed before its commit may have written client states, and a resumed run must not see them. So a
/// reader asks for the newest state written <em>before</em> the round it trains, and a round re-run after
/// a crash simply writes its versions again. It is not Orleans grain state on purpose: grain state is
/// read eagerly on every activation, and a client grain is activated once per sampled round — most
/// clients of most algorithms have no state at all, and those pay nothing here.
/// </remarks>
/// <remarks>
/// Each kind of state has its own slot (<see cref="ClientStateSlots"/>), versioned and pruned on its own,
/// so a client can keep SCAFFOLD's c_i and a top-k residual at once.
/// </remarks>
public interface IClientStateStore
{
    /// <summary>The newest state of <paramref name="slot"/> that <paramref name="clientId"/> wrote in a round before <paramref name="round"/>, or null.</summary>
    Task<byte[]?> ReadAsync(string experimentId, long clientId, string slot, int round, CancellationToken cancellationToken = default);

    /// <summary>Stores the state of <paramref name="slot"/> that <paramref name="clientId"/> produced in <paramref name="round"/> (replacing an earlier write for the same round and slot).</summary>
    Task WriteAsync(string experimentId, long clientId, string slot, int round, ReadOnlyMemory<byte> state, CancellationToken cancellationToken = default);
}

/// <summary>The slots of <see cref="IClientStateStore"/>: one per kind of per-client state.</summary>
public static class ClientStateSlots
{
    /// <summary>SCAFFOLD's client control variate c_i (stored as <c>r&lt;round&gt;.bin</c>, the name it had before slots existed, so older checkpoints resume).</summary>
    public const string ControlVariate = "";

    /// <summary>The error-feedback residual of a codec such as topk (stored as <c>residual.r&lt;round&gt;.bin</c>).</summary>
    public const string Residual = "residual";

    /// <summary>The file-name prefix of a slot's versions: "r" for <see cref="ControlVariate"/>, "&lt;slot&gt;.r" otherwise.</summary>
    /// <exception cref="ArgumentException">The slot is not letters, digits and underscores.</exception>
    public static string Prefix(string slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        if (!slot.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw new ArgumentException($"client state slot '{slot}' must be letters, digits and underscores", nameof(slot));
        return slot.Length == 0 ? "r" : slot + ".r";
    }
}

/// <summary>
/// <see cref="IClientStateStore"/> on the experiment's checkpoint store (local or Azure): one blob per
/// client, slot and round under <c>experiments/&lt;id&gt;/clients/&lt;client&gt;/[&lt;slot&gt;.]r&lt;round&gt;.bin</c>
/// (the local store shards the client directories), keeping the newest <see cref="KeepVersions"/> per client and slot.
/// </summary>
public sealed class CheckpointClientStateStore(ICheckpointStore store) : IClientStateStore
{
    /// <summary>Versions kept per client: the newest, and the one before it in case a round is re-run.</summary>
    public const int KeepVersions = 2;

    private const string Suffix = ".bin";

    public async Task<byte[]?> ReadAsync(string experimentId, long clientId, string slot, int round, CancellationToken cancellationToken = default)
    {
        int? newest = null;
        foreach (int r in await VersionsAsync(experimentId, clientId, slot, cancellationToken))
        {
            if (r < round && (newest is null || r > newest)) newest = r;
        }
        return newest is int found ? await store.GetAsync(Key(experimentId, clientId, slot, found), cancellationToken) : null;
    }

    public async Task WriteAsync(string experimentId, long clientId, string slot, int round, ReadOnlyMemory<byte> state, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(round);
        await store.PutAsync(Key(experimentId, clientId, slot, round), state, cancellationToken);
        List<int> versions = await VersionsAsync(experimentId, clientId, slot, cancellationToken);
        foreach (int old in versions.Where(r => r < round).OrderDescending().Skip(KeepVersions - 1))
        {
            await store.DeleteAsync(Key(experimentId, clientId, slot, old), cancellationToken);
        }
    }

    private async Task<List<int>> VersionsAsync(string experimentId, long clientId, string slot, CancellationToken cancellationToken)
    {
        string prefix = CheckpointKeys.ClientBlob(experimentId, Client(clientId), "x")[..^1];
        string slotPrefix = ClientStateSlots.Prefix(slot);
        var rounds = new List<int>();
        await foreach (string key in store.ListAsync(prefix, cancellationToken))
        {
            string name = key[prefix.Length..];
            // Another slot's names fail here: "residual.r5.bin" starts with "r", but "esidual.r5" is no round number.
            if (name.StartsWith(slotPrefix, StringComparison.Ordinal) && name.EndsWith(Suffix, StringComparison.Ordinal)
                && int.TryParse(name[slotPrefix.Length..^Suffix.Length], NumberStyles.None, CultureInfo.InvariantCulture, out int r))
            {
                rounds.Add(r);
            }
        }
        return rounds;
    }

    private static string Key(string experimentId, long clientId, string slot, int round) =>
        CheckpointKeys.ClientBlob(experimentId, Client(clientId), $"{ClientStateSlots.Prefix(slot)}{round.ToString(CultureInfo.InvariantCulture)}{Suffix}");

    private static string Client(long clientId) => clientId.ToString(CultureInfo.InvariantCulture);
}
