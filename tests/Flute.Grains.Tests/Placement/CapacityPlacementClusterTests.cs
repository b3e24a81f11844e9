using Flute.Grains.Hosting;
using Flute.Grains.Placement;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Flute.Grains.Tests.Placement;

/// <summary>A probe keyed like a client grain (client id + experiment id), placed by capacity.</summary>
[Alias("Flute.Grains.Tests.Placement.IPlacementProbeGrain")]
public interface IPlacementProbeGrain : IGrainWithIntegerCompoundKey
{
    Task<SiloAddress> GetSiloAsync();
}

[CapacityPlacement]
public sealed class PlacementProbeGrain(ILocalSiloDetails silo) : Grain, IPlacementProbeGrain
{
    public Task<SiloAddress> GetSiloAsync() => Task.FromResult(silo.SiloAddress);
}

/// <summary>
/// A real two-silo in-process cluster, one silo with 1 trainer and one with 2, each publishing its
/// capacity as silo metadata. Only the options and the placement are registered (no trainer pool):
/// placement needs nothing else.
/// </summary>
public sealed class CapacityPlacementClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Grains = 1_500;
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((siloOptions, silo) =>
        {
            // The builder names its silos Silo_0, Silo_1, ...: the first gets one trainer, the others two.
            int trainers = siloOptions.SiloName == "Silo_0" ? 1 : 2;
            silo.Services.AddSingleton(new FluteSiloOptions { Trainers = trainers });
            silo.AddFlutePlacement();
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Silos_get_grains_in_proportion_to_their_trainers_and_exactly_where_the_hash_says()
    {
        // Arrange: each silo's capacity, and every silo's metadata cache holding every other silo's
        // (it fills asynchronously after a membership change; until then a silo counts as capacity 1).
        var capacity = _cluster.Silos.ToDictionary(
            s => s.SiloAddress,
            s => s.ServiceProvider.GetRequiredService<FluteSiloOptions>().EffectiveTrainers);
        Assert.Equal([1, 2], capacity.Values.Order());
        var wait = System.Diagnostics.Stopwatch.StartNew();
        await WaitForMetadataAsync(capacity, TimeSpan.FromSeconds(20));
        output.WriteLine($"metadata on every silo after {wait.ElapsedMilliseconds} ms");

        // Act: placement runs on the silo that sends the first call, so the calls go out from each
        // silo in turn (through its own grain factory) and every silo's director places grains.
        var factories = _cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<IGrainFactory>()).ToArray();
        var probes = Enumerable.Range(0, Grains)
            .Select(i => factories[i % factories.Length].GetGrain<IPlacementProbeGrain>(i, "placement-test"))
            .ToArray();
        SiloAddress[] placed = await Task.WhenAll(probes.Select(p => p.GetSiloAsync()));

        // Assert: each grain is on the silo the weighted rendezvous hash picks, whichever silo placed it
        // (so both silos saw the same capacities: their own from options, the other's from metadata).
        var candidates = capacity.Keys.ToArray();
        var weights = candidates.Select(s => (CapacityPlacementDirector.HashSilo(s), capacity[s])).ToArray();
        for (int i = 0; i < Grains; i++)
        {
            int expected = WeightedRendezvous.Pick(CapacityPlacementDirector.HashGrain(probes[i].GetGrainId()), weights);
            Assert.Equal(candidates[expected], placed[i]);
        }

        // And the two-trainer silo holds 2/3 of them: a binomial proportion with σ = √((2/3)(1/3)/1 500)
        // ≈ 0.012, so ±0.05 is about 4σ (silo ports, hence hashes, change from run to run).
        var big = capacity.Single(kv => kv.Value == 2).Key;
        double share = placed.Count(s => s.Equals(big)) / (double)Grains;
        output.WriteLine($"two-trainer silo share: {share:F4} ({placed.Count(s => s.Equals(big))} of {Grains})");
        Assert.InRange(share, 2.0 / 3 - 0.05, 2.0 / 3 + 0.05);
    }

    private async Task WaitForMetadataAsync(Dictionary<SiloAddress, int> capacity, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        foreach (var silo in _cluster.Silos)
        {
            var cache = silo.ServiceProvider.GetRequiredService<ISiloMetadataCache>();
            foreach (var (other, trainers) in capacity)
            {
                while (CapacityPlacementDirector.CapacityOf(cache.GetSiloMetadata(other).Metadata) != trainers)
                    await Task.Delay(50, cancel.Token);
            }
        }
    }
}
