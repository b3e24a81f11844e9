using System.Net;
using System.Net.Sockets;
using Flute.Client.Dashboard;
using Flute.Grains.Hosting;
using Flute.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Flute.Client.Cli;

/// <summary>
/// A single-process Orleans silo on 127.0.0.1 with Flute's grains, so one command runs an
/// experiment on a laptop. Ports are picked free, so several runs can share a machine.
/// </summary>
public sealed class EmbeddedSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private EmbeddedSilo(IHost host) => _host = host;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public IServiceProvider Services => _host.Services;

    /// <summary>The dashboard's URL once started (<c>--dashboard</c>), else null.</summary>
    public string? DashboardUrl => DashboardHosting.Url(_host.Services);

    /// <summary>
    /// Builds the silo without starting it, so silo-local services can be warmed up meanwhile. With
    /// <paramref name="dashboard"/>, the same host also serves the live dashboard and the Orleans Dashboard.
    /// </summary>
    public static EmbeddedSilo Create(FluteSiloOptions options, FluteStorageOptions? storage = null, DashboardEndpoint? dashboard = null)
    {
        IHostApplicationBuilder builder = DashboardHosting.CreateBuilder(dashboard);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Start-up notes about server GC and a watchdog that misreads the first tick are noise for a
        // single-process run; real warnings from Flute and Orleans still show.
        builder.Logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
        builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
        // Storage failures are reported once, as the run's one-line error (exit code 3).
        builder.Logging.AddFilter("Orleans.Storage", LogLevel.None);
        builder.Logging.AddFilter("Orleans.Core.StateStorageBridge", LogLevel.None);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort: FreePort(), gatewayPort: FreePort(), serviceId: "flute", clusterId: $"flute-embedded-{Environment.ProcessId}");
            silo.AddFlute(o =>
            {
                o.Trainers = options.Trainers;
                o.ThreadsPerTrainer = options.ThreadsPerTrainer;
            });
            silo.AddFluteStorage(storage ?? new FluteStorageOptions { Kind = StorageKind.None });
            if (dashboard is not null) silo.AddDashboard();
        });
        return new EmbeddedSilo(DashboardHosting.Build(builder));
    }

    public Task StartAsync() => _host.StartAsync();

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // The summary is already written; a slow graceful shutdown must not hold the process.
        }
        _host.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
