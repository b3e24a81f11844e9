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
}
