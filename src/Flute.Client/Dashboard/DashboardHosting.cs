using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Dashboard;

namespace Flute.Client.Dashboard;

/// <summary>
/// Puts the dashboard's web server in the same host as the Orleans silo (embedded runs, sweeps) or the
/// Orleans client (<c>--cluster</c>): the Orleans Dashboard's endpoints need that host's services
/// (its dashboard client calls the cluster's dashboard grains), and one port then serves both pages.
/// Without a dashboard the host is the plain generic host it always was.
/// </summary>
public static class DashboardHosting
{
    /// <summary>Where the Orleans Dashboard is mapped, below Flute's own page at /.</summary>
    public const string OrleansPath = "/orleans";

    /// <summary>A generic host builder, or with <paramref name="endpoint"/> a minimal web host listening there.</summary>
    public static IHostApplicationBuilder CreateBuilder(DashboardEndpoint? endpoint)
    {
        if (endpoint is null) return Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // The empty builder reads no appsettings.json or ASPNETCORE_* variables: the options decide.
        WebApplicationBuilder web = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        web.WebHost.UseKestrelCore().ConfigureKestrel(o => o.Listen(endpoint.Address, endpoint.Port));
        web.Services.AddRoutingCore();
        web.Services.AddSingleton<ExperimentBoard>();
        // A page request that fails (an Orleans Dashboard call to a silo that left) is the page's
        // business; it must not write stack traces between the run's round lines.
        web.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Critical);
        return web;
    }

    /// <summary>Builds the host; a web host gets Flute's page and API at / and the Orleans Dashboard at <see cref="OrleansPath"/>.</summary>
    public static IHost Build(IHostApplicationBuilder builder)
    {
        if (builder is not WebApplicationBuilder web) return ((HostApplicationBuilder)builder).Build();
        WebApplication app = web.Build();
        DashboardEndpoints.Map(app, app.Services.GetRequiredService<ExperimentBoard>());
        app.MapOrleansDashboard(OrleansPath);
        return app;
    }

    /// <summary>The page's URL once the host has started (the port Kestrel bound when 0 was asked), or null without a dashboard.</summary>
    public static string? Url(IServiceProvider services)
    {
        if (services.GetService<ExperimentBoard>() is null) return null;
        string? address = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return address is null ? null : address.TrimEnd('/') + "/";
    }

    /// <summary>
    /// Whether the Orleans Dashboard at <paramref name="url"/> gets answers from the cluster. Its grains
    /// are known to every Flute silo, but only silos started with the dashboard's silo side
    /// (flute-silo --dashboard) can activate them; elsewhere its counters fail.
    /// </summary>
    public static async Task<bool> OrleansAnswersAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        try
        {
            using HttpResponseMessage response = await http.GetAsync($"{url}{OrleansPath.TrimStart('/')}/DashboardCounters");
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>The line run, resume and sweep print once the dashboard listens.</summary>
    public static string Announcement(string url) => $"dashboard: {url} (Orleans Dashboard: {url}{OrleansPath.TrimStart('/')}/)";
}
