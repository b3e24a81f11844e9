using BenchmarkDotNet.Attributes;
using Flute.Client.Cli;
using Flute.Grains.Hosting;

namespace Flute.Client.Bench.Micro;

/// <summary>
/// Grain fan-out on an embedded silo: a driver grain makes <see cref="FanOut"/> calls to fresh
/// <see cref="IMicroEchoGrain"/> activations with at most <see cref="Window"/> in flight, as the experiment
/// grain drives a cohort.
/// Each call pays activation, the round trip and deactivation; the headline is the time per call.
/// <see cref="ActiveCalls"/> calls the same number of grains that stay active, for the bare round trip.
/// </summary>
[BenchmarkCategory("fanout")]
public class GrainFanOutBenchmarks
{
    /// <summary>Grains called per timed invocation.</summary>
    public const int FanOut = 1_000;

    /// <summary>Calls in flight at once.</summary>
    public const int Window = 64;

    private EmbeddedSilo _silo = null!;
    private IMicroFanOutGrain _driver = null!;
    private long _nextKey;

    [GlobalSetup]
    public async Task Setup()
    {
        // The silo's trainer pool is built only when a grain asks for it; the echo grain never does.
        _silo = EmbeddedSilo.Create(new FluteSiloOptions { Trainers = 1 });
        await _silo.StartAsync();
        _driver = _silo.Grains.GetGrain<IMicroFanOutGrain>(0);
        await Calls();
        await ActiveCalls();
    }

    [GlobalCleanup]
    public async Task Cleanup() => await _silo.DisposeAsync();

    [Benchmark(OperationsPerInvoke = FanOut)]
    [Headline("grain_fanout_call", HeadlineUnit.Microseconds)]
    public Task Calls()
    {
        // Fresh keys every time: a key reused while its last activation is still deactivating would wait for it.
        _nextKey += FanOut;
        return _driver.FanOutAsync(_nextKey, FanOut, Window, deactivate: true);
    }

    [Benchmark(OperationsPerInvoke = FanOut)]
    [Headline("grain_active_call", HeadlineUnit.Microseconds)]
    public Task ActiveCalls() => _driver.FanOutAsync(-FanOut, FanOut, Window, deactivate: false);
}
