using Flute.Core.Configuration;
using Flute.Grains.Hosting;
using Flute.Grains.Runtime;
using Flute.Grains.Tests.Grains;
using Flute.Interfaces;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Flute.Grains.Tests.Runtime;

/// <summary>Flute's metrics as an OpenTelemetry exporter sees them (the in-memory exporter), from a real experiment.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FluteMeterTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_run_adds_its_committed_rounds_clients_and_bytes_tagged_with_its_id()
    {
        var exported = new List<Metric>();
        using MeterProvider provider = Sdk.CreateMeterProviderBuilder().AddMeter(FluteMeter.MeterName).AddInMemoryExporter(exported).Build()!;
        FluteConfig config = ClusterFixture.SmallConfig(seed: 71, rounds: 3);

        var (final, rounds) = await fixture.RunAsync("meter-run", config);
        provider.ForceFlush();

        Assert.Equal(ExperimentStatus.Finished, final.Status);
        Assert.Equal(3, Sum(exported, "flute.rounds", "meter-run"));
        Assert.Equal(rounds.Where(r => r.Round > 0).Sum(r => r.Clients), Sum(exported, "flute.clients.trained", "meter-run"));
        Assert.Equal(rounds.Sum(r => r.UpdateBytesToServer ?? 0), Sum(exported, "flute.bytes.updates_to_server", "meter-run"));
        Assert.Equal(3, HistogramCount(exported, "flute.round.duration", "meter-run"));
        // eval_every 1: rounds 1 to 3 are evaluated (round 0, the initial model, is not a round).
        Assert.Equal(3, HistogramCount(exported, "flute.test.accuracy", "meter-run"));
    }

    [Fact]
    public async Task A_private_run_exports_its_epsilon_and_its_client_update_bytes()
    {
        var exported = new List<Metric>();
        using MeterProvider provider = Sdk.CreateMeterProviderBuilder().AddMeter(FluteMeter.MeterName).AddInMemoryExporter(exported).Build()!;
        FluteConfig config = ClusterFixture.SmallConfig(seed: 72, rounds: 3);
        config.Server.Strategy = "dpfedavg";
        config.Client.Codec = "float16";

        var (final, rounds) = await fixture.RunAsync("meter-dp", config);
        provider.ForceFlush();

        Assert.Equal(ExperimentStatus.Finished, final.Status);
        double epsilon = rounds.Single(r => r.Round == 3).Epsilon!.Value;
        Assert.True(epsilon > 0);
        Assert.Equal(epsilon, Gauge(exported, "flute.privacy.epsilon", "meter-dp"));
        Assert.Equal(rounds.Sum(r => r.ClientUpdateBytes ?? 0), Sum(exported, "flute.bytes.client_updates", "meter-dp"));
        Assert.True(Sum(exported, "flute.bytes.client_updates", "meter-dp") > 0);
    }

    [Fact]
    public void The_OTLP_export_is_registered_only_when_its_standard_endpoint_variable_is_set()
    {
        Assert.False(new ServiceCollection().AddFluteTelemetry(_ => null));
        var services = new ServiceCollection();
        Assert.True(services.AddFluteTelemetry(name => name == TelemetryRegistration.EndpointVariable ? "http://127.0.0.1:4317" : null));
        using ServiceProvider built = services.BuildServiceProvider();
        Assert.NotNull(built.GetService<MeterProvider>());
    }

    private static long Sum(List<Metric> exported, string name, string experiment)
    {
        long total = 0;
        foreach (Metric metric in exported.Where(m => m.Name == name))
            foreach (ref readonly MetricPoint point in metric.GetMetricPoints())
                if (HasExperiment(point, experiment)) total = Math.Max(total, point.GetSumLong());
        return total;
    }

    private static double? Gauge(List<Metric> exported, string name, string experiment)
    {
        double? value = null;
        foreach (Metric metric in exported.Where(m => m.Name == name))
            foreach (ref readonly MetricPoint point in metric.GetMetricPoints())
                if (HasExperiment(point, experiment)) value = point.GetGaugeLastValueDouble();
        return value;
    }

    private static long HistogramCount(List<Metric> exported, string name, string experiment)
    {
        long count = 0;
        foreach (Metric metric in exported.Where(m => m.Name == name))
            foreach (ref readonly MetricPoint point in metric.GetMetricPoints())
                if (HasExperiment(point, experiment)) count = Math.Max(count, point.GetHistogramCount());
        return count;
    }

    private static bool HasExperiment(in MetricPoint point, string experiment)
    {
        foreach (var tag in point.Tags)
            if (tag.Key == "flute.experiment" && Equals(tag.Value, experiment)) return true;
        return false;
    }
}
