using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Flute.Grains.Runtime;

/// <summary>
/// Counts client-grain activations on this silo: how many were ever activated and how many are
/// alive now, in all and per experiment. Tests and the scale benchmark read it to show clients live
/// for one round only; a round's <c>alive_after</c> reads its own experiment's count, because other
/// experiments may train on the same silo at the same time.
/// </summary>
public sealed class ClientActivity
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _aliveByExperiment = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _servers = new();
    private long _activated;
    private long _alive;

    public long Activated => Interlocked.Read(ref _activated);

    /// <summary>Client grains alive on this silo, of every experiment.</summary>
    public long Alive => Interlocked.Read(ref _alive);

    /// <summary>Experiments whose experiment grain is activated on this silo.</summary>
    public IReadOnlyList<string> Servers => [.. _servers.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Client grains of <paramref name="experimentId"/> alive on this silo.</summary>
    public long AliveOf(string experimentId) =>
        _aliveByExperiment.TryGetValue(experimentId, out var alive) ? Interlocked.Read(ref alive.Value) : 0;

    /// <remarks>One counter per experiment this silo has seen, kept for the silo's lifetime: a few bytes each.</remarks>
    internal void OnActivated(string experimentId)
    {
        Interlocked.Increment(ref _activated);
        Interlocked.Increment(ref _alive);
        Interlocked.Increment(ref _aliveByExperiment.GetOrAdd(experimentId, static _ => new StrongBox<long>()).Value);
    }

    internal void OnDeactivated(string experimentId)
    {
        Interlocked.Decrement(ref _alive);
        if (_aliveByExperiment.TryGetValue(experimentId, out var alive)) Interlocked.Decrement(ref alive.Value);
    }

    internal void OnServerActivated(string experimentId) => _servers[experimentId] = 0;

    internal void OnServerDeactivated(string experimentId) => _servers.TryRemove(experimentId, out _);
}
