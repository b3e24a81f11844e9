namespace Flute.Core.Data.Mnist;

/// <summary>
/// Where the four MNIST IDX files are, and how long it took to fetch them
/// (<see cref="FetchSeconds"/> is 0 when they were already there).
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

    public string TrainImages => Path.Combine(Directory, TrainImagesName);
    public string TrainLabels => Path.Combine(Directory, TrainLabelsName);
    public string TestImages => Path.Combine(Directory, TestImagesName);
    public string TestLabels => Path.Combine(Directory, TestLabelsName);

    /// <summary>The first required file missing from <paramref name="directory"/>, or null if all are there.</summary>
    public static string? FirstMissing(string directory) =>
        RequiredNames.FirstOrDefault(name => !File.Exists(Path.Combine(directory, name)));
}
