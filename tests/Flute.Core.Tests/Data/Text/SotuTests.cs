using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Data.Text;
using Flute.Core.Registry;

namespace Flute.Core.Tests.Data.Text;

/// <summary>The SOTU data set read from a small folder of speeches in the npm package's format.</summary>
public sealed class SotuTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("flute-sotu-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private void Speech(string file, int year, string name, string text) =>
        File.WriteAllText(Path.Combine(dir, file), $$"""{"year":{{year}},"name":"{{name}}","party":"none","text":"{{text}}"}""");

    private void ThreeSpeeches()
    {
        Speech("1801_b_f.json", 1801, "B", new string('b', 40));
        Speech("1790_a_n.json", 1790, "A", "Hello world, this is the first speech ok");
        Speech("1791_a_n.json", 1791, "A", new string('x', 39));
    }

    [Fact]
    public void SpeechesGroupByPresidentInOrderOfTheirFirstYear()
    {
        ThreeSpeeches();

        var presidents = SotuSpeeches.ReadByPresident(dir);

        Assert.Equal(["A", "B"], presidents.Select(p => p.Name));
        Assert.Equal([1790, 1801], presidents.Select(p => p.FirstYear));
        // A's two speeches, in year order, joined by a newline: 40 + 1 + 39 characters.
        Assert.Equal("Hello world, this is the first speech ok\n" + new string('x', 39), presidents[0].Text);
    }

    [Fact]
    public void LoadsOneClientPerPresidentFromADataDir()
    {
        ThreeSpeeches();
        var data = new DataSection { Dataset = "sotu", NumClients = 2, SeqLen = 10 };
        var log = new StringWriter();

        FederatedDataLoad load = Components.Datasets.Create("sotu", data).Load(data, dir, 1, log);

        FederatedData federated = load.Data;
        Assert.True(federated.IsLazy);
        Assert.Equal(2, federated.Population);
        // A: 80 characters, cut at 72, 62 training windows; B: 40, cut at 36, 26.
        Assert.Equal(62, federated.SampleCount(0));
        Assert.Equal(26, federated.SampleCount(1));
        ClientShard a = federated.Shard(0);
        var first = new float[10];
        a.Data.CopySample(0, first);
        Assert.Equal(CharacterVocabulary.Encode("Hello worl").Select(b => (float)b), first);
        Assert.Equal(CharacterVocabulary.IndexOf('d'), a.Data.Labels[0]);
        // Test: A's tail [72, 80) is shorter than a window and its label; B's [36, 40) too: none.
        Assert.Equal(0, federated.Test.Count);
        Assert.Equal(0, load.FetchSeconds);
        Assert.Contains("sotu: 2 clients, 0 test windows", log.ToString());
        DatasetShape shape = Components.Datasets.Create("sotu", data).Shape(data);
        Assert.Equal([10], shape.SampleShape);
        Assert.Equal(81, shape.ClassCount);
    }

    [Fact]
    public void TheBaselineLineNamesTheMostFrequentTestCharacter()
    {
        Speech("1790_a_n.json", 1790, "A", new string('a', 91) + "xx x x xqx");
        var data = new DataSection { Dataset = "sotu", NumClients = 1, SeqLen = 2 };
        var log = new StringWriter();

        FederatedData federated = Components.Datasets.Create("sotu", data).Load(data, dir, 1, log).Data;

        // 101 characters: cut at 91; test windows "xx"→' ', " x"→' ', " x"→' ', " x"→'q' (one every 2).
        Assert.Equal(4, federated.Test.Count);
        Assert.Contains("most frequent next character ' ' = 0.7500 of the test set", log.ToString());
    }

    [Fact]
    public void TextClientsSpeechMakesEachSpeechAClientInYearOrder()
    {
        ThreeSpeeches();
        var data = new DataSection { Dataset = "sotu", NumClients = 3, SeqLen = 10, TextClients = "speech" };

        FederatedData federated = Components.Datasets.Create("sotu", data).Load(data, dir, 1, TextWriter.Null).Data;

        // 1790 (A, 40 characters), 1791 (A, 39), 1801 (B, 40): cuts at 36, 36, 36, so 26 windows each.
        Assert.Equal(3, federated.Population);
        Assert.Equal([26, 26, 26], Enumerable.Range(0, 3).Select(c => federated.SampleCount(c)));
        var window = new float[10];
        federated.Shard(1).Data.CopySample(0, window);
        Assert.All(window, v => Assert.Equal(CharacterVocabulary.IndexOf('x'), v));
        federated.Shard(2).Data.CopySample(0, window);
        Assert.All(window, v => Assert.Equal(CharacterVocabulary.IndexOf('b'), v));
        var wrong = new DataSection { Dataset = "sotu", NumClients = 2, TextClients = "speech" };
        var e = Assert.Throws<ArgumentException>(() => Components.Datasets.Create("sotu", wrong).Load(wrong, dir, 1, TextWriter.Null));
        Assert.Equal($"data.num_clients (2) must equal the number of speeches in {dir} (3)", e.Message);
    }

    [Fact]
    public void ClientCountMustMatchThePresidents()
    {
        ThreeSpeeches();
        var data = new DataSection { Dataset = "sotu", NumClients = 100 };

        var e = Assert.Throws<ArgumentException>(() => Components.Datasets.Create("sotu", data).Load(data, dir, 1, TextWriter.Null));

        Assert.Equal($"data.num_clients (100) must equal the number of presidents in {dir} (2)", e.Message);
    }

    [Fact]
    public void AMalformedSpeechFileIsNamed()
    {
        ThreeSpeeches();
        File.WriteAllText(Path.Combine(dir, "1802_c_n.json"), """{"year":1802,"name":"C"}""");

        var e = Assert.Throws<InvalidOperationException>(() => SotuSpeeches.ReadByPresident(dir));

        Assert.Equal($"SOTU speech file '{Path.Combine(dir, "1802_c_n.json")}': no 'text' field", e.Message);
    }

    [Fact]
    public void ADataDirWithoutSpeechesIsRejectedBeforeLoading()
    {
        var source = Components.Datasets.Create("sotu", new DataSection());

        var e = Assert.Throws<InvalidOperationException>(() => source.Locate(dir, TextWriter.Null));

        Assert.Equal($"SOTU data dir '{dir}' has no speech (.json) files", e.Message);
    }
}
