namespace Flute.Client.Bench.Micro;

/// <summary>A benchmark-only grain: measures the orchestration cost of a client-grain call without the training.</summary>
[Alias("flute.bench.micro-echo")]
public interface IMicroEchoGrain : IGrainWithIntegerKey
{
    /// <summary>Returns a small payload and deactivates, as a client grain does after training.</summary>
    [Alias("echo")]
    Task<byte[]> EchoAsync();

    /// <summary>Returns a small payload and stays active: the bare round trip, for comparison.</summary>
    [Alias("ping")]
    Task<byte[]> PingAsync();
}
