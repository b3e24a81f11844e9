using System.Text;
using System.Text.Json;
using Flute.Interfaces;

namespace Flute.Client.Cli;

/// <summary>Writes a run's <c>metrics.jsonl</c> (one object per round) and <c>summary.json</c>.</summary>
public sealed class RunOutputs : IDisposable
{
    private readonly StreamWriter _metrics;

    public RunOutputs(string directory)
    {
        Directory.CreateDirectory(directory);
        DirectoryPath = directory;
        _metrics = new StreamWriter(Path.Combine(directory, "metrics.jsonl"), append: false, new UTF8Encoding(false));
    }

    public string DirectoryPath { get; }

    public void Append(RoundMetrics m)
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
            if (m.EvalSeconds is double e) json.WriteNumber("eval_seconds", Math.Round(e, 6));
            if (m.TestAccuracy is double a) WriteNumber(json, "test_accuracy", a);
            if (m.TestLoss is double l) WriteNumber(json, "test_loss", l);
            json.WriteEndObject();
        }
        _metrics.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
        _metrics.Flush();
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
