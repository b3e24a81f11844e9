using Flute.Core.Data.Partitioned;
using Flute.Core.Data.Text;

namespace Flute.Core.Data.Import;

/// <summary>The input formats of <c>flute data import</c>.</summary>
public enum ImportFormat
{
    /// <summary>LEAF JSON (Caldas et al. 2018, arXiv:1812.01097): users, num_samples, user_data {x, y}.</summary>
    Leaf,

    /// <summary>One row per sample: client id, label, features.</summary>
    Csv,
}

/// <summary>What an import wrote: clients, samples and the shape of one sample.</summary>
public sealed record ImportSummary(int Clients, long TrainSamples, long TestSamples, int TestOnlyUsers, int[] SampleShape, int ClassCount);

/// <summary>
/// Imports federated data with its natural partition (one client per user) into a version-2
/// <see cref="PartitionedFile"/>: every training file, then every test file, each streamed user by
/// user into a <see cref="PartitionedFileBuilder"/>. Any malformed input throws
/// <see cref="InvalidDataException"/> with one line naming the file, the user or row, and what was
/// wrong; the output file then does not exist (or keeps its previous contents).
/// </summary>
public sealed class FederatedImport
{
    private readonly PartitionedFileBuilder _builder;
    private int _features;
    private bool _text;

    private FederatedImport(PartitionedFileBuilder builder) => _builder = builder;

    /// <summary>
    /// Imports <paramref name="trainFiles"/> then <paramref name="testFiles"/> into <paramref name="output"/>.
    /// <paramref name="shape"/> null keeps a sample flat; <paramref name="classes"/> 0 means the largest label + 1,
    /// or <see cref="CharacterVocabulary.Size"/> for text (which is also the least allowed for text:
    /// a window holds any character index, and the sequence models' vocabulary is the class count).
    /// </summary>
    public static ImportSummary Run(ImportFormat format, IReadOnlyList<string> trainFiles, IReadOnlyList<string> testFiles, string output, int[]? shape, int classes)
    {
        using var builder = new PartitionedFileBuilder(output);
        var import = new FederatedImport(builder);
        var samples = new UserSamples();
        foreach (string file in trainFiles) import.ReadFile(format, file, test: false, samples);
        long train = builder.Samples;
        int clients = builder.Clients;
        foreach (string file in testFiles) import.ReadFile(format, file, test: true, samples);
        string where = trainFiles.Count > 0 ? trainFiles[0] : output;
        if (clients == 0) throw new InvalidDataException($"{where}: no user has training data");
        if (import._features == 0) throw new InvalidDataException($"{where}: no user has any sample");
        if (builder.Samples == train)
            throw new InvalidDataException($"{(testFiles.Count > 0 ? testFiles[0] : where)}: the test files hold no sample (evaluation needs a test set)");
        if (shape is not null && shape.Aggregate(1L, (a, d) => a * d) != import._features)
            throw new InvalidDataException($"{where}: --shape {string.Join(',', shape)} holds {shape.Aggregate(1L, (a, d) => a * d)} values but a sample has {import._features} features");
        if (import._text && classes == 0) classes = CharacterVocabulary.Size;
        else if (import._text && classes < CharacterVocabulary.Size)
            throw new InvalidDataException($"{where}: --classes {classes} is below the {CharacterVocabulary.Size} characters of the vocabulary: text windows hold indices 0–{CharacterVocabulary.Size - 1}, and the lstm and gru models take the class count as their vocabulary");
        if (classes > 0 && builder.MaxLabel >= classes)
            throw new InvalidDataException($"{where}: label {builder.MaxLabel} is outside --classes {classes}");
        int testOnly = builder.TestOnlyUsers;
        builder.Complete(shape, classes);
        return new ImportSummary(clients, train, builder.Samples - train, testOnly, shape ?? [import._features], classes > 0 ? classes : builder.MaxLabel + 1);
    }

    private void ReadFile(ImportFormat format, string file, bool test, UserSamples samples)
    {
        try
        {
            if (format == ImportFormat.Leaf) LeafReader.Read(file, samples, (user, s) => Emit(file, user, test, s));
            else CsvReader.Read(file, samples, (user, s) => Emit(file, user, test, s));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{file}: cannot read: {e.Message}", e);
        }
    }

    private static string Kind(bool text) => text ? "text (strings of characters)" : "arrays of numbers";

    /// <summary>Checks one user's samples against the import so far and writes them as its block.</summary>
    private void Emit(string file, string user, bool test, UserSamples samples)
    {
        if (test ? _builder.HasTest(user) : _builder.HasClient(user))
            throw new InvalidDataException($"{file}: user '{user}' has {(test ? "test" : "training")} data twice (in this file or an earlier one)");
        if (samples.Rows > 0)
        {
            int features = samples.FeatureValues / samples.Rows;
            if (_features == 0) (_features, _text) = (features, samples.IsText);
            else if (samples.IsText != _text)
                throw new InvalidDataException($"{file}: user '{user}': samples are {Kind(samples.IsText)}, earlier users' are {Kind(_text)}");
            else if (features != _features)
                throw new InvalidDataException($"{file}: user '{user}': samples have {features} {(_text ? "characters" : "features")}, earlier users' have {_features}");
        }
        if (test) _builder.AddTest(user, samples.Labels, samples.Features);
        else _builder.AddTrain(user, samples.Labels, samples.Features);
    }
}
