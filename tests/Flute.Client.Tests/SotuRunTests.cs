using System.Text.Json;

namespace Flute.Client.Tests;

/// <summary>
/// `flute run` on the sotu data set read from a small generated folder of speeches (data.dir, so
/// nothing is fetched), with the lstm model: it runs end to end, and its model hash is a pure
/// function of config and seed, whatever the trainer count.
/// </summary>
public sealed class SotuRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flute-sotu-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Lstm_on_generated_speeches_runs_and_its_hash_depends_only_on_the_seed()
    {
        string speeches = WriteSpeeches();
        string config = Path.Combine(_dir, "sotu.yaml");
        File.WriteAllText(config, $"""
            experiment:
              name: sotu-tiny
              seed: 3
              rounds: 2
            data:
              dataset: sotu
              num_clients: 3
              seq_len: 20
              dir: {speeches}
            model:
              name: lstm
              hidden: 16
            client:
              optimizer: adam
              lr: 0.01
              batch_size: 16
              max_samples: 64
            server:
              clients_per_round: 2
              eval_every: 1
            silo:
              trainers: 2
            """);

        var a = FluteProcess.Run(_dir, "run", config, "--id", "a", "--out", "out-a", "--storage", "none");
        var again = FluteProcess.Run(_dir, "run", config, "--id", "again", "--out", "out-again", "--storage", "none");
        var one = FluteProcess.Run(_dir, "run", config, "--id", "one", "--out", "out-one", "--storage", "none", "--set", "silo.trainers=1");
        var other = FluteProcess.Run(_dir, "run", config, "--id", "other", "--out", "out-other", "--storage", "none", "--seed", "4");

        foreach (var r in new[] { a, again, one, other }) Assert.True(r.ExitCode == 0, r.StdErr);
        string hash = Hash("out-a");
        Assert.Equal(hash, Hash("out-again"));
        Assert.Equal(hash, Hash("out-one"));
        Assert.NotEqual(hash, Hash("out-other"));
        // 3 clients of 3000 characters: each tests [2700, 3000) in windows of 20 → 14 of them.
        Assert.Contains("sotu: 3 clients, 42 test windows", a.StdErr);
        JsonElement summary = Summary("out-a");
        Assert.Equal(2, summary.GetProperty("rounds_completed").GetInt32());
        Assert.InRange(summary.GetProperty("test_accuracy").GetDouble(), 0.0, 1.0);
    }

    [Fact]
    public void A_client_count_other_than_the_presidents_is_bad_input()
    {
        string speeches = WriteSpeeches();
        string config = Path.Combine(_dir, "five.yaml");
        File.WriteAllText(config, $"""
            experiment:
              rounds: 1
            data:
              dataset: sotu
              num_clients: 5
              dir: {speeches}
            model:
              name: lstm
            server:
              clients_per_round: 2
            """);

        var r = FluteProcess.Run(_dir, "run", config, "--storage", "none");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"data.num_clients (5) must equal the number of presidents in {speeches} (3)", r.StdErr);
    }

    /// <summary>Three presidents, one 3000-character speech each, from a seeded word list.</summary>
    private string WriteSpeeches()
    {
        string folder = Path.Combine(_dir, "speeches");
        Directory.CreateDirectory(folder);
        string[] words = ["the", "union", "of", "states", "congress", "people", "and", "shall", "we", "our"];
        var random = new Random(11);
        for (int p = 0; p < 3; p++)
        {
            var text = new System.Text.StringBuilder();
            while (text.Length < 3000) text.Append(words[random.Next(words.Length)]).Append(' ');
            File.WriteAllText(Path.Combine(folder, $"{1800 + p}_p{p}_n.json"),
                JsonSerializer.Serialize(new { year = 1800 + p, name = $"President {p}", party = "none", text = text.ToString(0, 3000) }));
        }
        return folder;
    }

    private JsonElement Summary(string outDir) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, outDir, "summary.json"))).RootElement;

    private string Hash(string outDir) => Summary(outDir).GetProperty("model_sha256").GetString()!;
}
