using System.Text.Json;
using Flute.Core.Configuration;

namespace Flute.Client.Cli;

/// <summary>One run of a sweep: its id, the overrides that make it, and its validated config.</summary>
internal sealed record SweepRun(string Id, IReadOnlyList<string> Overrides, FluteConfig Config);

/// <summary>
/// runs/SWEEP/sweep.json: the plan of a sweep — its config file, --set options, grid, seeds and
/// parallelism, and every run with its overrides and full config — written before any run starts, so
/// <c>flute sweep --resume SWEEP</c> continues exactly the runs planned, even if the config file changed since.
/// </summary>
internal sealed record SweepManifest(
    string ConfigPath, IReadOnlyList<string> Sets, IReadOnlyList<(string Key, string[] Values)> Grid,
    int Seeds, int Parallel, string? DataDir, IReadOnlyList<SweepRun> Runs)
{
    public const string FileName = "sweep.json";

    public void Write(string path)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("config", Path.GetFullPath(ConfigPath));
        WriteStrings(json, "set", Sets);
        json.WriteStartObject("grid");
        foreach (var (key, values) in Grid) WriteStrings(json, key, values);
        json.WriteEndObject();
        json.WriteNumber("seeds", Seeds);
        json.WriteNumber("parallel", Parallel);
        if (DataDir is not null) json.WriteString("data_dir", Path.GetFullPath(DataDir));
        json.WriteStartArray("runs");
        foreach (SweepRun run in Runs)
        {
            json.WriteStartObject();
            json.WriteString("id", run.Id);
            WriteStrings(json, "set", run.Overrides);
            json.WritePropertyName("config");
            json.WriteRawValue(ConfigJson.Serialize(run.Config));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Reads the manifest of sweep <paramref name="sweepId"/> under runs/; a missing or unreadable one is bad input.</summary>
    public static SweepManifest Read(string sweepId)
    {
        string path = Path.Combine("runs", sweepId, FileName);
        if (!File.Exists(path))
            throw new UsageException($"sweep --resume: no sweep '{sweepId}' here ({Path.GetFullPath(path)} is missing; run it from the directory the sweep ran in)");
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement root = document.RootElement;
            var grid = root.GetProperty("grid").EnumerateObject().Select(p => (p.Name, Strings(p.Value))).ToList();
            var runs = root.GetProperty("runs").EnumerateArray()
                .Select(r => new SweepRun(
                    r.GetProperty("id").GetString() ?? throw new JsonException("a run without an id"),
                    Strings(r.GetProperty("set")),
                    ConfigJson.Deserialize(r.GetProperty("config").GetRawText())))
                .ToList();
            if (runs.Count == 0) throw new JsonException("no runs");
            return new SweepManifest(
                root.GetProperty("config").GetString() ?? "",
                root.TryGetProperty("set", out JsonElement sets) ? Strings(sets) : [],
                grid, root.GetProperty("seeds").GetInt32(), root.GetProperty("parallel").GetInt32(),
                root.TryGetProperty("data_dir", out JsonElement dataDir) ? dataDir.GetString() : null,
                runs);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ConfigException)
        {
            throw new UsageException($"sweep --resume: {Path.GetFullPath(path)} is not a sweep plan Flute can read: {e.Message}");
        }
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(v => v.GetString() ?? "")];

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (string v in values) json.WriteStringValue(v);
        json.WriteEndArray();
    }
}
