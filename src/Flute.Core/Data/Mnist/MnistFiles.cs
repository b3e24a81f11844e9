namespace Flute.Core.Data.Mnist;

/// <summary>
/// Where the four IDX files of MNIST or an MNIST-shaped data set (Fashion-MNIST) are, and how long
/// it took to fetch them (<see cref="FetchSeconds"/> is 0 when they were already there). Each file
/// may be stored plain or gzip-compressed (the name plus <c>.gz</c>); the plain one wins.
/// </summary>
public sealed record MnistFiles(string Directory, double FetchSeconds)
{
    public const string TrainImagesName = "train-images-idx3-ubyte";
    public const string TrainLabelsName = "train-labels-idx1-ubyte";
    public const string TestImagesName = "t10k-images-idx3-ubyte";
    public const string TestLabelsName = "t10k-labels-idx1-ubyte";

    /// <summary>The file names a MNIST directory must hold.</summary>
    public static IReadOnlyList<string> RequiredNames { get; } =
        [TrainImagesName, TrainLabelsName, TestImagesName, TestLabelsName];

    public string TrainImages => Resolve(Directory, TrainImagesName);
    public string TrainLabels => Resolve(Directory, TrainLabelsName);
    public string TestImages => Resolve(Directory, TestImagesName);
    public string TestLabels => Resolve(Directory, TestLabelsName);

    /// <summary>The first required file missing from <paramref name="directory"/> (neither plain nor .gz), or null if all are there.</summary>
    public static string? FirstMissing(string directory) =>
        RequiredNames.FirstOrDefault(name => !File.Exists(Path.Combine(directory, name)) && !File.Exists(Path.Combine(directory, name + ".gz")));

    /// <summary>The plain file if it exists, else the .gz one if that exists, else the plain path (whose error then names it).</summary>
    private static string Resolve(string directory, string name)
    {
        string plain = Path.Combine(directory, name);
        string gzip = plain + ".gz";
        return !File.Exists(plain) && File.Exists(gzip) ? gzip : plain;
    }
}
