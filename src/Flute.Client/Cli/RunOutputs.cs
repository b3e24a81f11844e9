using System.Text;
using System.Text.Json;
using Flute.Grains.Hosting;
using Flute.Grains.Storage;
using Flute.Interfaces;

namespace Flute.Client.Cli;

/// <summary>Writes a run's <c>metrics.jsonl</c> (one object per round), <c>config.json</c> and <c>summary.json</c>.</summary>
public sealed class RunOutputs : IDisposable
{
    private readonly StreamWriter _metrics;

    /// <summary>
    /// Starts metrics.jsonl afresh, or — for a resume — with exactly <paramref name="history"/> (the
    /// committed rounds, written atomically first), so rounds a crash left half-written or
    /// uncommitted disappear and none is duplicated.
    /// </summary>
    public RunOutputs(string directory, IReadOnlyList<RoundMetrics>? history = null)
    {
        Directory.CreateDirectory(directory);
        DirectoryPath = directory;
        string path = Path.Combine(directory, "metrics.jsonl");
        if (history is not null)
        {
            string temp = path + ".tmp";
            File.WriteAllBytes(temp, MetricsJson.EncodeHistory(history));
            File.Move(temp, path, overwrite: true);
        }
        _metrics = new StreamWriter(path, append: history is not null, new UTF8Encoding(false));
    }

    public string DirectoryPath { get; }

    public void Append(RoundMetrics m)
    {
        _metrics.WriteLine(MetricsJson.Line(m));
        _metrics.Flush();
    }

    /// <summary>config.json: the run's canonical config (what <c>flute compare</c> groups runs by), written atomically.</summary>
    public void WriteConfig(string configJson)
    {
        string path = Path.Combine(DirectoryPath, "config.json");
        File.WriteAllText(path + ".tmp", configJson, new UTF8Encoding(false));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public void WriteSummary(IReadOnlyDictionary<string, object?> fields)
    {
        string path = Path.Combine(DirectoryPath, "summary.json");
        string temp = path + ".tmp";
        using (var stream = File.Create(temp))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            foreach (var (key, value) in fields)
            {
                switch (value)
                {
                    case null: json.WriteNull(key); break;
                    case string s: json.WriteString(key, s); break;
                    case int i: json.WriteNumber(key, i); break;
                    case long l: json.WriteNumber(key, l); break;
                    case ulong u: json.WriteNumber(key, u); break;
                    case double d: WriteNumber(json, key, d); break;
                    case ComputeFingerprint f:
                        json.WriteStartObject(key);
                        foreach (var (name, field) in ComputeFingerprints.Fields(f))
                        {
                            if (field is int n) json.WriteNumber(name, n);
                            else json.WriteString(name, (string?)field);
                        }
                        json.WriteEndObject();
                        break;
                    case IEnumerable<KeyValuePair<string, long>> counts:
                        json.WriteStartObject(key);
                        foreach (var (name, count) in counts) json.WriteNumber(name, count);
                        json.WriteEndObject();
                        break;
                    default: throw new ArgumentException($"summary field {key} has unsupported type {value.GetType()}");
                }
            }
            json.WriteEndObject();
        }
        File.Move(temp, path, overwrite: true);
    }

    public void Dispose() => _metrics.Dispose();

    private static void WriteNumber(Utf8JsonWriter json, string key, double value)
    {
        // JSON has no NaN: a metric that does not exist this round is null.
        if (double.IsFinite(value)) json.WriteNumber(key, value);
        else json.WriteNull(key);
    }
}
