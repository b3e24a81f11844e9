using System.Text;
using System.Text.Json;
using Flute.Interfaces;

namespace Flute.Grains.Storage;

/// <summary>
/// One round's metrics as one JSON line: the format of <c>metrics.jsonl</c> and of the metrics
/// history stored with every checkpoint, so a resume can rewrite the file exactly.
/// </summary>
public static class MetricsJson
{
    /// <summary>Prefix of a test-split field: <c>test_accuracy</c>, <c>test_loss</c> and each configured metric's <c>test_&lt;name&gt;</c>.</summary>
    public const string TestPrefix = "test_";

    /// <summary>Prefix of a validation-split field, as <see cref="TestPrefix"/>.</summary>
    public const string ValidationPrefix = "val_";

    // The fields with these prefixes that are not server.metrics values.
    private static readonly HashSet<string> BuiltInSplitFields = new(StringComparer.Ordinal) { "test_accuracy", "test_loss", "val_accuracy", "val_loss" };

    /// <summary>
    /// Whether <paramref name="field"/> (of metrics.jsonl or summary.json) holds a configured metric
    /// (server.metrics) on the split <paramref name="prefix"/> names, rather than a built-in field.
    /// </summary>
    public static bool IsMetricField(string field, string prefix) =>
        field.StartsWith(prefix, StringComparison.Ordinal) && !BuiltInSplitFields.Contains(field);

    public static string Line(RoundMetrics m)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("round", m.Round);
            json.WriteNumber("sampled", m.Sampled);
            json.WriteNumber("clients", m.Clients);
            WriteNumber(json, "train_loss", m.TrainLoss);
            json.WriteNumber("seconds", Math.Round(m.Seconds, 6));
            if (m.Rejected > 0) json.WriteNumber("rejected", m.Rejected);
            if (m.Retries > 0) json.WriteNumber("retries", m.Retries);
            if (m.Attacked is int attacked) json.WriteNumber("attacked", attacked);
            // Virtual times are written in full (shortest round-trip form): a resume reads the clock back from here.
            if (m.VirtualSeconds is double vs) json.WriteNumber("virtual_seconds", vs);
            if (m.VirtualTime is double vt) json.WriteNumber("virtual_time", vt);
            if (m.Dropped is int dropped) json.WriteNumber("dropped", dropped);
            if (m.Late is int late) json.WriteNumber("late", late);
            if (m.Staleness is double staleness) json.WriteNumber("staleness", staleness);
            if (m.EvalSeconds is double e) json.WriteNumber("eval_seconds", Math.Round(e, 6));
            if (m.TestAccuracy is double a) WriteNumber(json, "test_accuracy", a);
            if (m.TestLoss is double l) WriteNumber(json, "test_loss", l);
            if (m.ValidationAccuracy is double va) WriteNumber(json, "val_accuracy", va);
            if (m.ValidationLoss is double vl) WriteNumber(json, "val_loss", vl);
            WriteMetrics(json, TestPrefix, m.TestMetrics);
            WriteMetrics(json, ValidationPrefix, m.ValidationMetrics);
            if (m.Activations is long act) json.WriteNumber("activations", act);
            if (m.AliveAfter is long alive) json.WriteNumber("alive_after", alive);
            if (m.ModelBytesToSilos is long model) json.WriteNumber("model_bytes_to_silos", model);
            if (m.UpdateBytesToServer is long update) json.WriteNumber("update_bytes_to_server", update);
            WriteSpread(json, "client_acc", m.ClientAccuracy);
            WriteSpread(json, "personalized_acc", m.PersonalizedAccuracy);
            if (m.ClientUpdateBytes is long encoded) json.WriteNumber("client_update_bytes", encoded);
            if (m.Epsilon is double epsilon) WriteNumber(json, "epsilon", epsilon);
            if (m.Delta is double delta) WriteNumber(json, "delta", delta);
            if (m.MaskPairsRecovered is int pairs) json.WriteNumber("mask_pairs_recovered", pairs);
            if (m.ClipNorm is double clipNorm) WriteNumber(json, "clip_norm", clipNorm);
            if (m.ClippedFraction is double clippedFraction) WriteNumber(json, "clipped_fraction", clippedFraction);
            if (m.StepSkipped is bool skipped) json.WriteBoolean("step_skipped", skipped);
            if (m.SiloClients is { Count: > 0 } silos)
            {
                json.WriteStartObject("silo_clients");
                foreach (var (silo, clients) in silos.OrderBy(p => p.Key, StringComparer.Ordinal)) json.WriteNumber(silo, clients);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Parses a line written by <see cref="Line"/>.</summary>
    /// <exception cref="FormatException">Not a complete metrics object (e.g. a line cut by a crash).</exception>
    public static RoundMetrics Parse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            JsonElement o = document.RootElement;
            return new RoundMetrics(
                o.GetProperty("round").GetInt32(),
                o.GetProperty("sampled").GetInt32(),
                o.GetProperty("clients").GetInt32(),
                Number(o, "train_loss") ?? double.NaN,
                o.GetProperty("seconds").GetDouble(),
                Number(o, "eval_seconds"),
                Number(o, "test_accuracy"),
                Number(o, "test_loss"),
                o.TryGetProperty("rejected", out JsonElement r) ? r.GetInt32() : 0,
                o.TryGetProperty("retries", out JsonElement t) ? t.GetInt32() : 0)
            {
                ValidationAccuracy = Number(o, "val_accuracy"),
                ValidationLoss = Number(o, "val_loss"),
                Activations = o.TryGetProperty("activations", out JsonElement act) ? act.GetInt64() : null,
                AliveAfter = o.TryGetProperty("alive_after", out JsonElement alive) ? alive.GetInt64() : null,
                ModelBytesToSilos = o.TryGetProperty("model_bytes_to_silos", out JsonElement model) ? model.GetInt64() : null,
                UpdateBytesToServer = o.TryGetProperty("update_bytes_to_server", out JsonElement update) ? update.GetInt64() : null,
                ClientUpdateBytes = o.TryGetProperty("client_update_bytes", out JsonElement encoded) ? encoded.GetInt64() : null,
                Epsilon = Number(o, "epsilon"),
                Delta = Number(o, "delta"),
                MaskPairsRecovered = o.TryGetProperty("mask_pairs_recovered", out JsonElement pairs) ? pairs.GetInt32() : null,
                ClipNorm = Number(o, "clip_norm"),
                ClippedFraction = Number(o, "clipped_fraction"),
                StepSkipped = o.TryGetProperty("step_skipped", out JsonElement skipped) ? skipped.GetBoolean() : null,
                SiloClients = o.TryGetProperty("silo_clients", out JsonElement silos)
                    ? silos.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal)
                    : null,
                Attacked = o.TryGetProperty("attacked", out JsonElement attacked) ? attacked.GetInt32() : null,
                ClientAccuracy = ReadSpread(o, "client_acc"),
                PersonalizedAccuracy = ReadSpread(o, "personalized_acc"),
                VirtualSeconds = Number(o, "virtual_seconds"),
                VirtualTime = Number(o, "virtual_time"),
                Dropped = o.TryGetProperty("dropped", out JsonElement dropped) ? dropped.GetInt32() : null,
                Late = o.TryGetProperty("late", out JsonElement late) ? late.GetInt32() : null,
                Staleness = Number(o, "staleness"),
                TestMetrics = ReadMetrics(o, TestPrefix),
                ValidationMetrics = ReadMetrics(o, ValidationPrefix),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new FormatException($"not a metrics line: {e.Message}", e);
        }
    }

    /// <summary>The stored history: one line per round, '\n'-terminated.</summary>
    public static byte[] EncodeHistory(IEnumerable<RoundMetrics> rounds)
    {
        var text = new StringBuilder();
        foreach (RoundMetrics m in rounds) text.Append(Line(m)).Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public static List<RoundMetrics> DecodeHistory(ReadOnlySpan<byte> bytes)
    {
        var rounds = new List<RoundMetrics>();
        foreach (string line in Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            rounds.Add(Parse(line));
        }
        return rounds;
    }

    private static double? Number(JsonElement o, string name) =>
        o.TryGetProperty(name, out JsonElement v) ? v.ValueKind == JsonValueKind.Null ? double.NaN : v.GetDouble() : null;

    /// <summary>A spread over clients as flat keys (<c>client_acc_mean</c>, <c>_p10</c>, <c>_p50</c>, <c>_p90</c>, <c>_clients</c>), easy to plot.</summary>
    private static void WriteSpread(Utf8JsonWriter json, string prefix, ClientAccuracy? spread)
    {
        if (spread is null) return;
        json.WriteNumber(prefix + "_clients", spread.Clients);
        WriteNumber(json, prefix + "_mean", spread.Mean);
        WriteNumber(json, prefix + "_p10", spread.P10);
        WriteNumber(json, prefix + "_p50", spread.P50);
        WriteNumber(json, prefix + "_p90", spread.P90);
    }

    private static ClientAccuracy? ReadSpread(JsonElement o, string prefix) =>
        o.TryGetProperty(prefix + "_clients", out JsonElement clients)
            ? new ClientAccuracy(clients.GetInt32(), Number(o, prefix + "_mean") ?? double.NaN, Number(o, prefix + "_p10") ?? double.NaN,
                                 Number(o, prefix + "_p50") ?? double.NaN, Number(o, prefix + "_p90") ?? double.NaN)
            : null;

    /// <summary>The configured metrics (server.metrics) as flat keys <c>test_&lt;name&gt;</c> / <c>val_&lt;name&gt;</c>, in configured order.</summary>
    private static void WriteMetrics(Utf8JsonWriter json, string prefix, IReadOnlyDictionary<string, double>? metrics)
    {
        if (metrics is null) return;
        foreach (var (name, value) in metrics) WriteNumber(json, prefix + name, value);
    }

    private static Dictionary<string, double>? ReadMetrics(JsonElement o, string prefix)
    {
        Dictionary<string, double>? metrics = null;
        foreach (JsonProperty p in o.EnumerateObject())
        {
            if (!IsMetricField(p.Name, prefix)) continue;
            metrics ??= [];
            metrics[p.Name[prefix.Length..]] = p.Value.ValueKind == JsonValueKind.Null ? double.NaN : p.Value.GetDouble();
        }
        return metrics;
    }

    private static void WriteNumber(Utf8JsonWriter json, string key, double value)
    {
        // JSON has no NaN: a metric that does not exist this round is null.
        if (double.IsFinite(value)) json.WriteNumber(key, value);
        else json.WriteNull(key);
    }
}
