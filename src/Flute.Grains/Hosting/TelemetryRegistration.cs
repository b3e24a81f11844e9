using Flute.Grains.Runtime;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace Flute.Grains.Hosting;

/// <summary>
/// Exports Flute's metrics (<see cref="FluteMeter"/>) with OpenTelemetry's OTLP exporter when the
/// standard variable <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; the exporter reads the other standard
/// <c>OTEL_*</c> variables itself (protocol, headers, export interval). Without it nothing is
/// registered and the instruments cost a null check per committed round.
/// </summary>
public static class TelemetryRegistration
{
    /// <summary>The standard variable that turns the export on.</summary>
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Adds the OTLP metrics exporter for the Flute meter when <see cref="EndpointVariable"/> is set; returns whether it did.</summary>
    public static bool AddFluteTelemetry(this IServiceCollection services, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        environment ??= Environment.GetEnvironmentVariable;
        if (string.IsNullOrWhiteSpace(environment(EndpointVariable))) return false;
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(FluteMeter.MeterName).AddOtlpExporter());
        return true;
    }
}
