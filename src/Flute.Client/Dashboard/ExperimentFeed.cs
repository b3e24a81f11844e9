using System.Text.Json;
using Flute.Grains.Storage;
using Flute.Interfaces;

namespace Flute.Client.Dashboard;

/// <summary>
/// One experiment as the dashboard shows it: status, round, and every round's metrics as its
/// metrics.jsonl line. The CLI's watcher writes it as rounds are committed; web requests read it.
/// Both hold the lock only to append or copy a few references, so a page being read never delays
/// the watcher (and the round loop itself runs in the experiment grain, which never sees it).
/// </summary>
public sealed class ExperimentFeed(string id, string name, int totalRounds)
{
    private readonly Lock _lock = new();
    private readonly List<string> _rounds = [];
    private string _status = "starting";
    private int _round;
    private int _totalRounds = totalRounds;
    private string? _error;

    /// <summary>The experiment id.</summary>
    public string Id { get; } = id;

    /// <summary>The config's experiment.name.</summary>
    public string Name { get; } = name;

    /// <summary>Adds a committed round (round 0 is the initial model's evaluation).</summary>
    public void Add(RoundMetrics round)
    {
        string line = MetricsJson.Line(round);
        lock (_lock)
        {
            _rounds.Add(line);
            _round = Math.Max(_round, round.Round);
            // A committed round before the first status poll (or a resume's history): it has started.
            if (_status == "starting") _status = "running";
        }
    }

    /// <summary>Records the experiment's status after a poll of its grain.</summary>
    public void Update(ExperimentStatus status, int roundsCompleted, int totalRounds, string? error)
    {
        string name = status.ToString().ToLowerInvariant();
        lock (_lock)
        {
            _status = name;
            _round = Math.Max(_round, roundsCompleted);
            _totalRounds = totalRounds;
            _error = error;
        }
    }

    /// <summary>The summary the experiment list shows: id, name, status, round, total rounds.</summary>
    public void WriteSummary(Utf8JsonWriter json)
    {
        string status;
        int round, total;
        lock (_lock) (status, round, total) = (_status, _round, _totalRounds);
        json.WriteString("id", Id);
        json.WriteString("name", Name);
        json.WriteString("status", status);
        json.WriteNumber("round", round);
        json.WriteNumber("total_rounds", total);
    }

    /// <summary>The summary plus the rounds from index <paramref name="since"/> on, as their metrics.jsonl objects.</summary>
    public void WriteDetail(Utf8JsonWriter json, int since)
    {
        string[] rounds;
        string? error;
        string status;
        int round, total;
        lock (_lock)
        {
            (status, round, total, error) = (_status, _round, _totalRounds, _error);
            int from = Math.Clamp(since, 0, _rounds.Count);
            rounds = _rounds.GetRange(from, _rounds.Count - from).ToArray();
        }
        json.WriteString("id", Id);
        json.WriteString("name", Name);
        json.WriteString("status", status);
        json.WriteNumber("round", round);
        json.WriteNumber("total_rounds", total);
        if (error is not null) json.WriteString("error", error);
        json.WriteNumber("since", Math.Max(0, since));
        json.WriteStartArray("rounds");
        foreach (string line in rounds) json.WriteRawValue(line, skipInputValidation: true);
        json.WriteEndArray();
    }
}
