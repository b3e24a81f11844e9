namespace Flute.Client.Bench.Micro;

/// <summary>A benchmark-only driver: fans calls out from inside a grain turn, as the experiment grain does.</summary>
[Alias("flute.bench.micro-fanout")]
public interface IMicroFanOutGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Calls <see cref="IMicroEchoGrain"/> <paramref name="first"/> … <paramref name="first"/> + <paramref name="count"/> − 1
    /// with at most <paramref name="window"/> calls in flight; <paramref name="deactivate"/> picks
    /// <see cref="IMicroEchoGrain.EchoAsync"/> (activate, answer, deactivate) over <see cref="IMicroEchoGrain.PingAsync"/>.
    /// </summary>
    [Alias("fan-out")]
    Task FanOutAsync(long first, int count, int window, bool deactivate);
}
