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
public interface IClientStateStore
{
    /// <summary>The newest state <paramref name="clientId"/> wrote in a round before <paramref name="round"/>, or null.</summary>
    Task<byte[]?> ReadAsync(string experimentId, long clientId, int round, CancellationToken cancellationToken = default);

    /// <summary>Stores the state <paramref name="clientId"/> produced in <paramref name="round"/> (replacing an earlier write for the same round).</summary>
    Task WriteAsync(string experimentId, long clientId, int round, ReadOnlyMemory<byte> state, CancellationToken cancellationToken = default);
}

/// <summary>
/// <see cref="IClientStateStore"/> on the experiment's checkpoint store (local or Azure): one blob per
/// client and round under <c>experiments/&lt;id&gt;/clients/&lt;client&gt;/r&lt;round&gt;.bin</c> (the local
/// store shards the client directories), keeping the newest <see cref="KeepVersions"/> per client.
/// </summary>
public sealed class CheckpointClientStateStore(ICheckpointStore store) : IClientStateStore
{
    /// <summary>Versions kept per client: the newest, and the one before it in case a round is re-run.</summary>
    public const int KeepVersions = 2;

    private const string Prefix = "r";
    private const string Suffix = ".bin";

    public async Task<byte[]?> ReadAsync(string experimentId, long clientId, int round, CancellationToken cancellationToken = default)
    {
        int? newest = null;
        foreach (int r in await VersionsAsync(experimentId, clientId, cancellationToken))
        {
            if (r < round && (newest is null || r > newest)) newest = r;
        }
        return newest is int found ? await store.GetAsync(Key(experimentId, clientId, found), cancellationToken) : null;
    }

    public async Task WriteAsync(string experimentId, long clientId, int round, ReadOnlyMemory<byte> state, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(round);
        await store.PutAsync(Key(experimentId, clientId, round), state, cancellationToken);
        List<int> versions = await VersionsAsync(experimentId, clientId, cancellationToken);
        foreach (int old in versions.Where(r => r < round).OrderDescending().Skip(KeepVersions - 1))
        {
            await store.DeleteAsync(Key(experimentId, clientId, old), cancellationToken);
        }
    }

    private async Task<List<int>> VersionsAsync(string experimentId, long clientId, CancellationToken cancellationToken)
    {
        string prefix = CheckpointKeys.ClientBlob(experimentId, Client(clientId), "x")[..^1];
        var rounds = new List<int>();
        await foreach (string key in store.ListAsync(prefix, cancellationToken))
        {
            string name = key[prefix.Length..];
            if (name.StartsWith(Prefix, StringComparison.Ordinal) && name.EndsWith(Suffix, StringComparison.Ordinal)
                && int.TryParse(name[Prefix.Length..^Suffix.Length], NumberStyles.None, CultureInfo.InvariantCulture, out int r))
            {
                rounds.Add(r);
            }
        }
        return rounds;
    }

    private static string Key(string experimentId, long clientId, int round) =>
        CheckpointKeys.ClientBlob(experimentId, Client(clientId), $"{Prefix}{round.ToString(CultureInfo.InvariantCulture)}{Suffix}");

    private static string Client(long clientId) => clientId.ToString(CultureInfo.InvariantCulture);
}
