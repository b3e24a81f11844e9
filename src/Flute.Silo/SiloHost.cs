using System.Net;
using Flute.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Flute.Silo;

/// <summary>
/// The stand-alone silo host: one silo pinned to one device with its trainer pool, joining a cluster
/// through a membership store (Azure Table storage; localhost clustering for a lone development
/// silo), with the storage experiments commit to. Settings: <see cref="SiloSettings"/>.
/// </summary>
public static class SiloHost
{
    private const string Usage =
        "usage: flute-silo [--settings FILE] [--device cpu|cuda:N] [--trainers N] [--threads-per-trainer N] [--compute native|portable]\n" +
        "                  [--silo-port P] [--gateway-port P] [--listen IP] [--advertise IP] [--name NAME]\n" +
        "                  [--cluster-id ID] [--service-id ID] [--clustering localhost|azure] [--clustering-connection STRING]\n" +
        "                  [--storage local|azure|none] [--store DIR] [--azure-connection STRING]\n" +
        "                  [--tls-cert FILE.pfx] [--tls-password PW] [--kubernetes] [--dashboard]\n" +
        "--dashboard runs the Orleans Dashboard's silo side (grain and silo statistics); flute run --cluster ... --dashboard PORT serves its pages.\n" +
        "Every option is also a setting: FLUTE_SILO_<Key> in the environment (e.g. FLUTE_SILO_Trainers=2) or a key in the --settings JSON file.";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["-h"] or ["--help"])
        {
            Console.WriteLine(Usage);
            return 0;
        }
        SiloSettings settings;
        try
        {
            settings = SiloSettings.Load(args);
            // Before anything can load libtorch (the device check below may): its dispatch is fixed then.
            ComputeDispatch.Apply(settings.Compute);
            TrainerDevice.Parse(settings.Device).EnsureUsable();
            if (settings.Clustering == "azure") await ClusterRegistration.ProbeAsync(settings.ClusteringConnection);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"flute-silo: {e.Message}");
            return 2;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Flute", LogLevel.Information);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        string name = settings.Name ?? $"silo-{settings.SiloPort}";
        try
        {
            builder.UseOrleans(silo =>
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = settings.ClusterId;
                    o.ServiceId = settings.ServiceId;
                });
                silo.Configure<SiloOptions>(o => o.SiloName = name);
                if (settings.Kubernetes)
                {
                    // Pod name, IP and the cluster ids come from the pod's environment.
                    silo.UseKubernetesHosting();
                }
                else
                {
                    silo.Configure<EndpointOptions>(o =>
                    {
                        o.AdvertisedIPAddress = settings.AdvertiseAddress;
                        o.SiloPort = settings.SiloPort;
                        o.GatewayPort = settings.GatewayPort;
                        o.SiloListeningEndpoint = new IPEndPoint(settings.ListenAddress, settings.SiloPort);
                        o.GatewayListeningEndpoint = new IPEndPoint(settings.ListenAddress, settings.GatewayPort);
                    });
                }
                if (settings.Clustering == "azure")
                {
                    silo.UseFluteAzureClustering(settings.ClusteringConnection!);
                }
                else
                {
                    silo.UseDevelopmentClustering(new IPEndPoint(settings.AdvertiseAddress, settings.SiloPort));
                    silo.UseInMemoryReminderService();
                }
                FluteSiloOptions options = settings.SiloOptions();
                silo.AddFlute(o =>
                {
                    o.Device = options.Device;
                    o.Trainers = options.Trainers;
                    o.ThreadsPerTrainer = options.ThreadsPerTrainer;
                    o.ResumeRunningExperiments = options.ResumeRunningExperiments;
                });
                silo.AddFluteStorage(settings.Storage);
                // The silo side only (a grain call filter timing calls, per-silo statistics): the pages are
                // served by the CLI that runs an experiment with --dashboard, an Orleans client of this cluster.
                if (settings.Dashboard) silo.AddDashboard();
                if (settings.TlsCertificate is { } certificate)
                    silo.UseFluteTls(new FluteTlsOptions(certificate, settings.TlsPassword));
            });
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"flute-silo: {e.Message}");
            return 2;
        }

        using IHost host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"flute-silo: could not start: {FirstLine(e)}");
            return 1;
        }
        var local = host.Services.GetRequiredService<ILocalSiloDetails>();
        var pool = settings.SiloOptions();
        // deploy/local-cluster.sh waits for this line.
        Console.WriteLine($"flute-silo: ready: {name} {local.SiloAddress} gateway {local.GatewayAddress?.ToString() ?? "none"}, " +
                          $"device {pool.Device}, {pool.EffectiveTrainers} trainer(s) x {pool.ThreadsPerTrainer} thread(s), compute {ComputeModes.Name(settings.Compute)}{(settings.Dashboard ? ", dashboard" : "")}, " +
                          $"cluster {settings.ClusterId} ({settings.Clustering}), storage {FluteStorageName(settings)}, pid {Environment.ProcessId}");
        await host.WaitForShutdownAsync();
        return 0;
    }

    private static string FluteStorageName(SiloSettings settings) => settings.Storage.Kind switch
    {
        Grains.Storage.StorageKind.Local => $"local {Path.GetFullPath(settings.Storage.LocalDirectory)}",
        Grains.Storage.StorageKind.Azure => "azure",
        _ => "none",
    };

    private static string FirstLine(Exception e)
    {
        while (e.InnerException is not null && e is AggregateException) e = e.InnerException;
        string message = e.Message;
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
