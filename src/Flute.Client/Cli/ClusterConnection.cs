using Flute.Client.Dashboard;
using Flute.Grains.Hosting;
using Flute.Grains.Storage;
using Flute.Interfaces;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Runtime;

namespace Flute.Client.Cli;

/// <summary>
/// An Orleans client connected to a silo cluster through its membership store: the CLI's way to run
/// experiments on silos started by deploy/local-cluster.sh (or any other Flute cluster).
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterConnection(IHost host, ClusterTarget target)
    {
        _host = host;
        Target = target;
    }

    public ClusterTarget Target { get; }

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    public IGrainFactory Grains => Client;

    /// <summary>The client host's services (the dashboard's experiment board lives there with <c>--dashboard</c>).</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>The dashboard's URL (<c>--dashboard</c>), else null.</summary>
    public string? DashboardUrl => DashboardHosting.Url(_host.Services);

    /// <exception cref="UsageException">The membership store or every gateway is unreachable (one line).</exception>
    /// <param name="target">The cluster.</param>
    /// <param name="dashboard">
    /// Also serve the live dashboard from this client; its Orleans Dashboard shows the silos' statistics
    /// when they run the dashboard's silo side (<c>flute-silo --dashboard</c>).
    /// </param>
    public static async Task<ClusterConnection> ConnectAsync(ClusterTarget target, DashboardEndpoint? dashboard = null)
    {
        try
        {
            await ClusterRegistration.ProbeAsync(target.Connection);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--cluster: {e.Message}");
        }
        IHostApplicationBuilder builder = DashboardHosting.CreateBuilder(dashboard);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        // A silo leaving is reported by the run (retries, a round taken over), not as client noise.
        builder.Logging.AddFilter("Orleans", LogLevel.Critical);
        // A failed start is reported once, as the command's one-line error.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = target.ClusterId;
                o.ServiceId = target.ServiceId;
            });
            client.UseFluteAzureClustering(target.Connection);
            if (target.TlsCertificate is { } cert)
                FluteTlsWiring.Client(client, cert, target.TlsPassword);
            if (dashboard is not null) client.AddDashboard();
        });
        IHost host;
        try
        {
            host = DashboardHosting.Build(builder);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--cluster: {e.Message}");
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await host.StartAsync(timeout.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            host.Dispose();
            string reason = e is OperationCanceledException
                ? "no gateway accepted the connection within 30 s (silos stopped, or a TLS certificate that does not match the cluster's)"
                : OneLine(e);
            throw new UsageException($"--cluster: cannot connect to {target.Describe()}: {reason}; is it running? 'deploy/local-cluster.sh status'");
        }
        if (DashboardHosting.Url(host.Services) is { } url && !await DashboardHosting.OrleansAnswersAsync(url))
        {
            Console.Error.WriteLine("warning: --dashboard: the cluster's silos do not run the Orleans Dashboard's silo side, so its page shows no grain or silo " +
                                    "statistics (start them with flute-silo --dashboard, or deploy/local-cluster.sh up N --dashboard); Flute's own page works as usual");
        }
        return new ClusterConnection(host, target);
    }

    /// <summary>Every active silo's own report, in address order.</summary>
    public async Task<IReadOnlyList<SiloInfo>> SilosAsync()
    {
        Dictionary<SiloAddress, SiloStatus> hosts = await Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var infos = new List<SiloInfo>();
        foreach (SiloAddress silo in hosts.Keys.OrderBy(s => s.ToString(), StringComparer.Ordinal))
        {
            try
            {
                infos.Add(await Client.GetGrain<ISiloAgentGrain>(silo.ToParsableString()).GetInfoAsync());
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A silo on its way out: leave it out of the list.
            }
        }
        if (infos.Count == 0) throw new UsageException($"--cluster: {Target.Describe()} has no active silo");
        return infos;
    }

    /// <summary>
    /// In cluster mode the silos own the storage; the CLI takes the experiment's lock and reads its state
    /// in the same store. Returns the silos' storage, warning when the config or options asked for another.
    /// </summary>
    public FluteStorageOptions Storage(IReadOnlyList<SiloInfo> silos, StorageArguments requested, string? configProvider)
    {
        string kind = silos[0].StorageKind;
        if (silos.Any(s => s.StorageKind != kind || s.StorageDirectory != silos[0].StorageDirectory))
            throw new UsageException($"--cluster: the silos of {Target.Describe()} disagree on storage ({string.Join(", ", silos.Select(s => $"{s.Name}: {s.StorageKind} {s.StorageDirectory}".TrimEnd()))})");
        string? asked = requested.Kind ?? configProvider;
        if (asked is not null && asked != kind)
            Console.WriteLine($"warning: the cluster's silos own the storage ({kind}); storage '{asked}' from the command line or the config is ignored");
        var options = new FluteStorageOptions
        {
            Kind = FluteStorageOptions.ParseKind(kind),
            LocalDirectory = silos[0].StorageDirectory.Length > 0 ? silos[0].StorageDirectory : ".flute",
            AzureConnectionString = requested.AzureConnection
                ?? Environment.GetEnvironmentVariable(FluteStorageOptions.AzureConnectionVariable)
                ?? Target.Connection,
        };
        return options;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or OrleansException)
        {
            // Leaving: nothing to save.
        }
        _host.Dispose();
    }

    private static string OneLine(Exception e)
    {
        while (e.InnerException is not null && e is AggregateException or OrleansException) e = e.InnerException;
        return e.Message.ReplaceLineEndings(" ");
    }
}
