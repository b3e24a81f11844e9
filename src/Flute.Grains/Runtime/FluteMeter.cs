using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Flute.Interfaces;

namespace Flute.Grains.Runtime;

/// <summary>
/// Flute's metrics as <see cref="System.Diagnostics.Metrics"/> instruments on the meter
/// <see cref="MeterName"/>, so any OpenTelemetry exporter (OTLP, Prometheus, console) or
/// <c>dotnet-counters</c> reads them: each committed round adds to the counters and the histogram,
/// tagged with the experiment id (<c>flute.experiment</c>). A round is recorded when it is committed,
/// so a round re-run after a crash counts once. docs/observability.md lists the instruments.
/// </summary>
public static class FluteMeter
{
    /// <summary>The meter's name, the one to enable in an OpenTelemetry MeterProvider (<c>AddMeter("Flute")</c>).</summary>
    public const string MeterName = "Flute";

    private static readonly Meter s_meter = new(MeterName, typeof(FluteMeter).Assembly.GetName().Version?.ToString());

    private static readonly Counter<long> s_rounds = s_meter.CreateCounter<long>("flute.rounds", "{round}", "Federated rounds committed.");
    private static readonly Counter<long> s_clients = s_meter.CreateCounter<long>("flute.clients.trained", "{client}", "Client updates aggregated.");
    private static readonly Counter<long> s_rejected = s_meter.CreateCounter<long>("flute.updates.rejected", "{update}", "Client updates rejected (out of range, bad payload, late model version).");
    private static readonly Counter<long> s_retries = s_meter.CreateCounter<long>("flute.clients.retried", "{call}", "Training calls retried after a failure or time-out.");
    private static readonly Counter<long> s_modelBytes = s_meter.CreateCounter<long>("flute.bytes.model_to_silos", "By", "Model bytes sent to other silos' model caches.");
    private static readonly Counter<long> s_updateBytes = s_meter.CreateCounter<long>("flute.bytes.updates_to_server", "By", "Update bytes that reached the experiment grain (silo partials and individual payloads).");
    private static readonly Histogram<double> s_roundSeconds = s_meter.CreateHistogram<double>("flute.round.duration", "s", "Wall time of a round: sampling, training, aggregation, server step (not evaluation).");
    private static readonly Counter<long> s_clientUpdateBytes = s_meter.CreateCounter<long>("flute.bytes.client_updates", "By", "Encoded bytes of the client updates produced (what a codec shrinks; with per-silo sums most never cross the network).");
    private static readonly Histogram<double> s_accuracy = s_meter.CreateHistogram<double>("flute.test.accuracy", "1", "Test accuracy of the global model in evaluated rounds.");

    /// <summary>The latest ε each private experiment reported (central DP), read by the gauge when exported.</summary>
    private static readonly ConcurrentDictionary<string, double> s_epsilon = new(StringComparer.Ordinal);

    private static readonly ObservableGauge<double> s_epsilonGauge = s_meter.CreateObservableGauge(
        "flute.privacy.epsilon",
        () => s_epsilon.Select(p => new Measurement<double>(p.Value, new KeyValuePair<string, object?>("flute.experiment", p.Key))),
        "1", "The (ε, δ)-DP ε an experiment has spent so far (server.strategy dpfedavg; δ is privacy.delta).");

    /// <summary>Records committed rounds of <paramref name="experimentId"/> (round 0, the initial evaluation, adds no round).</summary>
    public static void RecordCommitted(string experimentId, IEnumerable<RoundMetrics> rounds)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        var tags = new KeyValuePair<string, object?>("flute.experiment", experimentId);
        foreach (RoundMetrics m in rounds)
        {
            if (m.Round == 0) continue;
            s_rounds.Add(1, tags);
            s_clients.Add(m.Clients, tags);
            if (m.Rejected > 0) s_rejected.Add(m.Rejected, tags);
            if (m.Retries > 0) s_retries.Add(m.Retries, tags);
            if (m.ModelBytesToSilos is long model) s_modelBytes.Add(model, tags);
            if (m.UpdateBytesToServer is long update) s_updateBytes.Add(update, tags);
            if (m.ClientUpdateBytes is long clientBytes) s_clientUpdateBytes.Add(clientBytes, tags);
            if (m.Epsilon is double epsilon) s_epsilon[experimentId] = epsilon;
            s_roundSeconds.Record(m.Seconds, tags);
            if (m.TestAccuracy is double accuracy && double.IsFinite(accuracy)) s_accuracy.Record(accuracy, tags);
        }
    }
}
