namespace Flute.Grains.Runtime;

/// <summary>
/// Counts client-grain activations on this silo: how many were ever activated and how many are
/// alive now. Tests and the scale benchmark read it to show clients live for one round only.
/// </summary>
public sealed class ClientActivity
{
    private long _activated;
    private long _alive;

    public long Activated => Interlocked.Read(ref _activated);
    public long Alive => Interlocked.Read(ref _alive);

    internal void OnActivated()
    {
        Interlocked.Increment(ref _activated);
        Interlocked.Increment(ref _alive);
    }

    internal void OnDeactivated() => Interlocked.Decrement(ref _alive);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _servers = new();

    /// <summary>Experiments whose experiment grain is activated on this silo.</summary>
    public IReadOnlyList<string> Servers => [.. _servers.Keys.Order(StringComparer.Ordinal)];

    internal void OnServerActivated(string experimentId) => _servers[experimentId] = 0;

    internal void OnServerDeactivated(string experimentId) => _servers.TryRemove(experimentId, out _);
}
