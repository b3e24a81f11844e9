using System.Diagnostics;
using System.Globalization;
using Flute.Core.Data.Import;

namespace Flute.Client.Cli;

/// <summary>
/// <c>flute data import --train PATH --test PATH --out FILE [--format leaf|csv] [--shape D1,D2,…] [--classes N]</c>:
/// imports federated data with its natural partition (one client per user) and each user's
/// train/test split into a partitioned data file (<see cref="FederatedImport"/>). PATH is a file or
/// a directory (every *.json or *.csv in it, by name). Malformed input is one line naming the file
/// and the user or row (exit 2), and no output file is left behind.
/// </summary>
public static class DataImportCommand
{
    public static int Execute(string[] args)
    {
        string? train = null, test = null, output = null, format = null;
        int[]? shape = null;
        int classes = 0;
        for (int i = 0; i < args.Length; i++)
        {
            string option = args[i];
            string value = OptionValues.Next(args, ref i, "data import");
            switch (option)
            {
                case "--train": train = value; break;
                case "--test": test = value; break;
                case "--out": output = value; break;
                case "--format": format = value.ToLowerInvariant(); break;
                case "--shape": shape = ParseShape(value); break;
                case "--classes":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out classes) || classes < 1)
                        throw new UsageException($"data import: --classes '{value}' is not a positive integer");
                    break;
                default: throw new UsageException($"data import: unknown option '{option}'");
            }
        }
        if (train is null) throw new UsageException("data import: missing --train PATH (a LEAF train/ directory, a .json file or a .csv file)");
        if (test is null) throw new UsageException("data import: missing --test PATH (the matching test/ directory or file: evaluation needs a test set)");
        if (output is null) throw new UsageException("data import: missing --out FILE");
        ImportFormat kind = format switch
        {
            "leaf" => ImportFormat.Leaf,
            "csv" => ImportFormat.Csv,
            null => Infer(train),
            _ => throw new UsageException($"data import: --format '{format}' is not one of leaf, csv"),
        };
        string extension = kind == ImportFormat.Leaf ? ".json" : ".csv";
        string[] trainFiles = Inputs("--train", train, extension), testFiles = Inputs("--test", test, extension);
        string directory = Path.GetDirectoryName(Path.GetFullPath(output))!;
        if (!Directory.Exists(directory)) throw new UsageException($"data import: --out: directory {directory} does not exist");

        long bytes = trainFiles.Concat(testFiles).Sum(f => new FileInfo(f).Length);
        var clock = Stopwatch.StartNew();
        ImportSummary summary;
        try
        {
            summary = FederatedImport.Run(kind, trainFiles, testFiles, output, shape, classes);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException($"data import: {e.Message}");
        }
        double seconds = clock.Elapsed.TotalSeconds;
        long rows = summary.TrainSamples + summary.TestSamples;
        Console.WriteLine($"wrote {output}: {summary.Clients:N0} clients, {summary.TrainSamples:N0} training and {summary.TestSamples:N0} test samples" +
                          $"{(summary.TestOnlyUsers > 0 ? $" ({summary.TestOnlyUsers:N0} test-only users in the test set)" : "")}, " +
                          $"sample shape [{string.Join(", ", summary.SampleShape)}], {summary.ClassCount} classes, {new FileInfo(output).Length / 1048576.0:0.0} MiB");
        Console.WriteLine($"read {bytes / 1048576.0:0.0} MiB of {kind.ToString().ToLowerInvariant()} in {seconds:0.00} s: {rows / Math.Max(seconds, 1e-9):N0} rows/s");
        Console.WriteLine($"use it with: data: {{dataset: partitioned, file: {output}, num_clients: {summary.Clients}}}");
        return ExitCodes.Ok;
    }

    private static ImportFormat Infer(string path)
    {
        string probe = Directory.Exists(path)
            ? Directory.EnumerateFiles(path).Select(Path.GetExtension).FirstOrDefault(e => e is ".json" or ".csv") ?? ""
            : Path.GetExtension(path);
        return probe.ToLowerInvariant() switch
        {
            ".json" => ImportFormat.Leaf,
            ".csv" => ImportFormat.Csv,
            _ => throw new UsageException($"data import: cannot tell the format of '{path}' (no .json or .csv); pass --format leaf|csv"),
        };
    }

    /// <summary>The file itself, or every file with <paramref name="extension"/> in the directory, by ordinal name (the client order).</summary>
    private static string[] Inputs(string option, string path, string extension)
    {
        if (File.Exists(path)) return [path];
        if (!Directory.Exists(path)) throw new UsageException($"data import: {option}: no such file or directory '{Path.GetFullPath(path)}'");
        string[] files = Directory.GetFiles(path, "*" + extension).Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0) throw new UsageException($"data import: {option}: directory '{Path.GetFullPath(path)}' has no {extension} file");
        return files;
    }

    private static int[] ParseShape(string value)
    {
        string[] parts = value.Split(',', StringSplitOptions.TrimEntries);
        var shape = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]) || shape[i] < 1)
                throw new UsageException($"data import: --shape '{value}' is not a list of positive integers like 1,28,28");
        if (shape.Length > 8) throw new UsageException($"data import: --shape '{value}' has more than 8 dimensions");
        return shape;
    }
}
