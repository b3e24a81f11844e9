namespace Flute.Client.Bench.Micro;

/// <summary>
/// Activates, answers with a small byte array and deactivates on idle: the life cycle of a
/// <c>ClientGrain</c> with nothing in the middle.
/// </summary>
public sealed class MicroEchoGrain : Grain, IMicroEchoGrain
{
    private const int PayloadBytes = 64;

    public Task<byte[]> EchoAsync()
    {
        DeactivateOnIdle();
        return Task.FromResult(new byte[PayloadBytes]);
    }

    public Task<byte[]> PingAsync() => Task.FromResult(new byte[PayloadBytes]);
}
