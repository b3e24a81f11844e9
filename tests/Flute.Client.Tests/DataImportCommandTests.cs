using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Flute.Client.Tests;

/// <summary>
/// `flute data import` as a user runs it: a LEAF-format data set written here (several users of
/// uneven sizes, train/ and test/ directories; numeric, or text as LEAF's Shakespeare) is imported
/// and trained on through `flute run`.
/// </summary>
public sealed class DataImportCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flute-import-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_leaf_data_set_imports_and_trains_with_the_same_model_for_one_and_two_trainers()
    {
        // Arrange: 9 users of 6..46 samples, 8 features, 3 classes whose feature patterns differ; two files per split.
        WriteLeaf("train", users: 9, test: false);
        WriteLeaf("test", users: 9, test: true);
        string config = Write("leaf.yaml", """
            experiment: {name: leaf, seed: 5, rounds: 6}
            data: {dataset: partitioned, file: data.flpf, num_clients: 9}
            model: {name: logreg}
            client: {lr: 0.1, batch_size: 8}
            server: {clients_per_round: 4, eval_every: 3}
            """);

        // Act
        var (import, a) = ImportAndRunWithOneAndTwoTrainers("data.flpf", config, rounds: 6);

        // Assert
        int train = Enumerable.Range(0, 9).Sum(u => Samples(u) * 9 / 10), test = Enumerable.Range(0, 9).Sum(u => Samples(u) - Samples(u) * 9 / 10);
        Assert.Contains($"9 clients, {train} training and {test} test samples, sample shape [8], 3 classes", import.StdOut);
        Assert.InRange(a.GetProperty("test_accuracy").GetDouble(), 0.6, 1.0); // 3 separable classes: far above a third
    }

    [Fact]
    public void A_shakespeare_format_text_set_imports_and_trains_the_lstm_above_the_most_frequent_character_with_one_or_two_trainers()
    {
        // Arrange: 4 speakers of 30..75 windows of 10 characters over "abcdefg" repeated (each from its own
        // phase), the next character as the label; 90 % train, 10 % test per speaker.
        WriteShakespeare("train", test: false);
        WriteShakespeare("test", test: true);
        string config = Write("text.yaml", """
            experiment: {name: leaf-text, seed: 2, rounds: 8}
            data: {dataset: partitioned, file: text.flpf, num_clients: 4}
            model: {name: lstm, hidden: 16}
            client: {optimizer: adam, lr: 0.05, batch_size: 8}
            server: {clients_per_round: 4, eval_every: 8}
            """);

        // Act
        var (import, a) = ImportAndRunWithOneAndTwoTrainers("text.flpf", config, rounds: 8);

        // Assert
        int test = Enumerable.Range(0, 4).Sum(u => Windows(u) - Windows(u) * 9 / 10);
        Assert.Contains($"4 clients, {Enumerable.Range(0, 4).Sum(Windows) - test} training and {test} test samples, sample shape [10], 81 classes", import.StdOut);
        double baseline = TestLabels().GroupBy(c => c).Max(g => g.Count()) / (double)test; // always the most frequent next character
        Assert.InRange(a.GetProperty("test_accuracy").GetDouble(), baseline + 0.2, 1.0); // 1.0 here (and with seeds 1 and 3)
    }

    [Theory]
    [InlineData("{\"users\": [\"u\"], \"num_samples\": [1], \"user_data\": {\"u\": {\"x\": [[1,2]], \"y\": [0]}", "invalid JSON")]
    [InlineData("{\"users\": [\"u\", \"v\"], \"num_samples\": [1, 1], \"user_data\": {\"u\": {\"x\": [[1,2]], \"y\": [0]}}}", "user 'v' is in 'users' but missing from 'user_data'")]
    [InlineData("{\"users\": [\"u\"], \"num_samples\": [2], \"user_data\": {\"u\": {\"x\": [[1,2]], \"y\": [0]}}}", "user 'u': num_samples says 2 but user_data has 1 samples")]
    [InlineData("{\"users\": [\"u\"], \"num_samples\": [2], \"user_data\": {\"u\": {\"x\": [[1,2],[3,4,5]], \"y\": [0,1]}}}", "user 'u', sample 1: ragged row")]
    public void Malformed_leaf_input_exits_2_with_one_line_naming_the_file_and_user_and_writes_nothing(string json, string expected)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "train"));
        string bad = Write(Path.Combine("train", "bad.json"), json);
        Write("test.json", "{\"users\": [\"u\"], \"num_samples\": [1], \"user_data\": {\"u\": {\"x\": [[1,2]], \"y\": [0]}}}");

        var result = FluteProcess.Run(_dir, "data", "import", "--train", "train", "--test", "test.json", "--out", "data.flpf");

        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"flute: data import: {Path.Combine("train", "bad.json")}: ", line);
        Assert.Contains(expected, line);
        Assert.Empty(Directory.GetFiles(_dir, "data.flpf*"));
        Assert.True(File.Exists(bad));
    }

    [Fact]
    public void A_bad_csv_row_exits_2_naming_the_row()
    {
        Write("train.csv", "c1,0,1,2\nc1,1,3\n");
        Write("test.csv", "c1,0,1,2\n");

        var result = FluteProcess.Run(_dir, "data", "import", "--train", "train.csv", "--test", "test.csv", "--out", "data.flpf");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("flute: data import: train.csv: row 2: ragged row of 1 features, earlier rows have 2", result.StdErr.Trim());
        Assert.Empty(Directory.GetFiles(_dir, "data.flpf*"));
    }

    /// <summary>
    /// Imports train/ and test/ into <paramref name="output"/>, then runs <paramref name="config"/> with 1 and
    /// with 2 trainers: asserts that all three succeed, that the runs completed <paramref name="rounds"/> and
    /// that they give the same model. Returns the import's output and the 1-trainer run's summary.
    /// </summary>
    private (FluteProcess.Result Import, JsonElement Summary) ImportAndRunWithOneAndTwoTrainers(string output, string config, int rounds)
    {
        var import = FluteProcess.Run(_dir, "data", "import", "--train", "train", "--test", "test", "--out", output);
        Assert.True(import.ExitCode == 0, import.StdErr);
        var one = FluteProcess.Run(_dir, "run", config, "--storage", "none", "--out", "one", "--set", "silo.trainers=1");
        var two = FluteProcess.Run(_dir, "run", config, "--storage", "none", "--out", "two", "--set", "silo.trainers=2");
        Assert.True(one.ExitCode == 0, one.StdErr);
        Assert.True(two.ExitCode == 0, two.StdErr);
        JsonElement a = Summary("one"), b = Summary("two");
        Assert.Equal(a.GetProperty("model_sha256").GetString(), b.GetProperty("model_sha256").GetString());
        Assert.Equal(rounds, a.GetProperty("rounds_completed").GetInt32());
        return (import, a);
    }

    /// <summary>User u's sample count: uneven, 6 to 46.</summary>
    private static int Samples(int user) => 6 + user * user % 41;

    /// <summary>
    /// LEAF JSON under <paramref name="split"/>/ in two files: user u's sample s has label (u + s) % 3 and
    /// features 0.8 on the label's third of the 8 features, 0.1 elsewhere, plus a small deterministic ripple.
    /// 90 % of a user's samples (rounded down) train, the rest test.
    /// </summary>
    private void WriteLeaf(string split, int users, bool test)
    {
        Directory.CreateDirectory(Path.Combine(_dir, split));
        for (int part = 0; part < 2; part++)
        {
            int[] ids = Enumerable.Range(0, users).Where(u => u % 2 == part).ToArray();
            var data = new StringBuilder();
            var counts = new List<int>();
            foreach (int u in ids)
            {
                int n = Samples(u), trainCount = n * 9 / 10;
                int first = test ? trainCount : 0, count = test ? n - trainCount : trainCount;
                counts.Add(count);
                var rows = new List<string>();
                var labels = new List<int>();
                for (int s = first; s < first + count; s++)
                {
                    int label = (u + s) % 3;
                    labels.Add(label);
                    rows.Add("[" + string.Join(",", Enumerable.Range(0, 8).Select(j =>
                        ((j * 3 / 8 == label ? 0.8 : 0.1) + (s * 7 + j) % 10 / 100.0).ToString("0.00", CultureInfo.InvariantCulture))) + "]");
                }
                data.Append(data.Length == 0 ? "" : ",").Append($"\"user{u}\": {{\"x\": [{string.Join(",", rows)}], \"y\": [{string.Join(",", labels)}]}}");
            }
            Write(Path.Combine(split, $"part{part}.json"),
                $"{{\"users\": [{string.Join(",", ids.Select(u => $"\"user{u}\""))}], \"num_samples\": [{string.Join(",", counts)}], \"user_data\": {{{data}}}}}");
        }
    }

    private const string Period = "abcdefg";

    /// <summary>Speaker u's window count: uneven, 30 to 75.</summary>
    private static int Windows(int user) => 30 + 15 * user;

    /// <summary>Speaker u's text: <see cref="Period"/> repeated from phase u, long enough for its windows and their labels.</summary>
    private static string Speech(int user) =>
        string.Concat(Enumerable.Repeat(Period, (Windows(user) + 11) / Period.Length + 2))[user..];

    /// <summary>The next characters of every test window, in file order.</summary>
    private static IEnumerable<char> TestLabels() =>
        Enumerable.Range(0, 4).SelectMany(u => Enumerable.Range(Windows(u) * 9 / 10, Windows(u) - Windows(u) * 9 / 10).Select(s => Speech(u)[s + 10]));

    /// <summary>
    /// LEAF Shakespeare-format JSON in <paramref name="split"/>/: speaker u's window s is the 10 characters of
    /// its speech from s, its label the character after; windows before 90 % of the count (rounded down) train.
    /// </summary>
    private void WriteShakespeare(string split, bool test)
    {
        Directory.CreateDirectory(Path.Combine(_dir, split));
        var data = new Dictionary<string, object>();
        var counts = new List<int>();
        for (int u = 0; u < 4; u++)
        {
            int n = Windows(u), trainCount = n * 9 / 10;
            int[] windows = test ? [.. Enumerable.Range(trainCount, n - trainCount)] : [.. Enumerable.Range(0, trainCount)];
            string speech = Speech(u);
            data[$"SPEAKER{u}"] = new { x = windows.Select(s => speech.Substring(s, 10)), y = windows.Select(s => speech[s + 10].ToString()) };
            counts.Add(windows.Length);
        }
        Write(Path.Combine(split, "all_data.json"), JsonSerializer.Serialize(new { users = data.Keys, num_samples = counts, user_data = data }));
    }

    private string Write(string name, string text) => ScratchFiles.Write(_dir, name, text);

    private JsonElement Summary(string outDir) => ScratchFiles.Summary(_dir, outDir);
}
