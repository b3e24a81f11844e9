using Flute.Core.Codecs;
using Flute.Core.Persistence;
using Flute.Grains.Placement;
using Flute.Grains.Runtime;
using Flute.Grains.Torch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Flute.Grains.Hosting;

/// <summary>Registers Flute's grains' silo-local services: trainer pool, model cache, data contexts.</summary>
public static class SiloBuilderExtensions
{
    public static ISiloBuilder AddFlute(this ISiloBuilder silo, Action<FluteSiloOptions>? configure = null)
    {
        var options = new FluteSiloOptions();
        configure?.Invoke(options);
        options.Validate();
        silo.Services.AddFluteSiloServices(options);
        silo.AddFlutePlacement();
        silo.Services.AddPlacementDirector<SiloTargetedPlacement, SiloTargetedPlacementDirector>();
        return silo;
    }

    public static IServiceCollection AddFluteSiloServices(this IServiceCollection services, FluteSiloOptions options)
    {
        // The silo validates the configs it is sent, so the TorchSharp-side names must be known first.
        FluteComponents.EnsureRegistered();
        services.AddSingleton(options);
        services.AddSingleton(_ => new TrainerPool(new TrainerPoolOptions(options.EffectiveTrainers, options.ThreadsPerTrainer)));
        services.AddSingleton<PayloadBufferPool>();
        services.AddSingleton<ModelCache>();
        services.AddSingleton<ExperimentContextCache>();
        services.AddSingleton<ClientActivity>();
        services.AddSingleton<PartialAggregates>();
        // Tests register their own (recording) crash points; a process reads FLUTE_CRASH_AT.
        services.TryAddSingleton(_ => CrashPoints.FromEnvironment());
        services.AddFluteTelemetry();
        return services;
    }
}
