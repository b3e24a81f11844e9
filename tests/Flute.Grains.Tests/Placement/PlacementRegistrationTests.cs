using Flute.Grains.Hosting;
using Flute.Grains.Placement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Flute.Grains.Tests.Placement;

/// <summary>What <see cref="PlacementRegistration.AddFlutePlacement(ISiloBuilder)"/> puts in a silo's services, without starting a silo.</summary>
public sealed class PlacementRegistrationTests
{
    [Fact]
    public void Publishes_the_trainer_count_and_device_as_silo_metadata()
    {
        var silo = new BareSiloBuilder();
        silo.Services.AddSingleton(new FluteSiloOptions { Trainers = 3, Device = "cpu" });

        silo.AddFlutePlacement();

        using var services = silo.Services.BuildServiceProvider();
        var published = services.GetRequiredService<IOptions<SiloMetadata>>().Value.Metadata;
        Assert.Equal("3", published[PlacementRegistration.TrainersKey]);
        Assert.Equal("cpu", published[PlacementRegistration.DeviceKey]);
    }

    [Fact]
    public void Trainers_zero_publishes_one_per_core()
    {
        var silo = new BareSiloBuilder();
        silo.Services.AddSingleton(new FluteSiloOptions { Trainers = 0 });

        silo.AddFlutePlacement();

        using var services = silo.Services.BuildServiceProvider();
        var published = services.GetRequiredService<IOptions<SiloMetadata>>().Value.Metadata;
        Assert.Equal(Environment.ProcessorCount.ToString(), published[PlacementRegistration.TrainersKey]);
    }

    [Fact]
    public void Registering_twice_registers_once()
    {
        var silo = new BareSiloBuilder();
        silo.Services.AddSingleton(new FluteSiloOptions { Trainers = 2 });

        silo.AddFlutePlacement().AddFlutePlacement();

        Assert.Single(silo.Services, d => d.ServiceType == typeof(IPlacementDirector) && Equals(d.ServiceKey, typeof(CapacityPlacement)));
        Assert.Single(silo.Services, d => d.ServiceType == typeof(ISiloMetadataCache));
    }

    [Fact]
    public void Without_silo_options_the_error_says_what_to_register()
    {
        var silo = new BareSiloBuilder();

        var e = Assert.Throws<InvalidOperationException>(() => silo.AddFlutePlacement());

        Assert.Contains("FluteSiloOptions", e.Message);
    }

    private sealed class BareSiloBuilder : ISiloBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection();
        public IConfiguration Configuration { get; } = new ConfigurationBuilder().Build();
    }
}
