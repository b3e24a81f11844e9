namespace Flute.Grains.Storage;

/// <summary>
/// <see cref="IClientStateStore"/> in this silo's memory, for <c>storage.provider: none</c>: same
/// versioning by round as <see cref="CheckpointClientStateStore"/> (a reader sees the newest state
/// written before its round; the newest <see cref="CheckpointClientStateStore.KeepVersions"/> kept per
/// client), nothing persisted — a run without storage cannot be resumed anyway. Each silo holds the
/// states of the clients that trained on it, so it serves one silo (the embedded run) or clusters whose
/// clients stay on their silo; clusters that move clients need a shared store. An experiment's states
/// go when the silo releases the experiment (<see cref="Remove"/>).
/// </summary>
public sealed class MemoryClientStateStore : IClientStateStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Experiment, long Client, string Slot), SortedList<int, byte[]>> _states = [];

    /// <summary>Clients with state held, over all experiments.</summary>
    public int Clients
    {
        get
        {
            lock (_gate) return _states.Keys.Select(k => (k.Experiment, k.Client)).Distinct().Count();
        }
    }

    public Task<byte[]?> ReadAsync(string experimentId, long clientId, string slot, int round, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_states.TryGetValue((experimentId, clientId, slot), out var versions)) return Task.FromResult<byte[]?>(null);
            for (int i = versions.Count - 1; i >= 0; i--)
            {
                if (versions.Keys[i] < round) return Task.FromResult<byte[]?>([.. versions.Values[i]]);
            }
            return Task.FromResult<byte[]?>(null);
        }
    }

    public Task WriteAsync(string experimentId, long clientId, string slot, int round, ReadOnlyMemory<byte> state, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(round);
        ArgumentNullException.ThrowIfNull(slot);
        byte[] copy = state.ToArray();
        lock (_gate)
        {
            if (!_states.TryGetValue((experimentId, clientId, slot), out var versions))
                _states[(experimentId, clientId, slot)] = versions = [];
            versions[round] = copy;
            // As the checkpoint store: this round's write and the newest before it (a re-run round reads that one).
            int index = versions.IndexOfKey(round);
            while (index > CheckpointClientStateStore.KeepVersions - 1)
            {
                versions.RemoveAt(0);
                index--;
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>Drops every client state of the experiment (it finished, failed or paused: a run without storage does not continue).</summary>
    public void Remove(string experimentId)
    {
        lock (_gate)
        {
            foreach (var key in _states.Keys.Where(k => k.Experiment == experimentId).ToList()) _states.Remove(key);
        }
    }
}
