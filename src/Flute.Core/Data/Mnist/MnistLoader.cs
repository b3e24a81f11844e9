namespace Flute.Core.Data.Mnist;

/// <summary>
/// Loads MNIST from its IDX files as <see cref="Dataset"/>s of shape [1, 28, 28] with 10 classes.
/// Pixels stay bytes, read straight from the files into the data set's buffer (no float copy: on
/// machines where touching fresh memory is slow, 220 MB of floats cost seconds); the usual
/// normalization is the data set's affine transform, applied as batches are built.
/// </summary>
public static class MnistLoader
{
    public const int ClassCount = 10;
    public const int Side = 28;
    public const int TrainCount = 60_000;
    public const int TestCount = 10_000;

    /// <summary>Mean and standard deviation of MNIST training pixels scaled to [0, 1] (the usual normalization).</summary>
    public const float PixelMean = 0.1307f;
    public const float PixelStd = 0.3081f;

    private const int FeatureCount = Side * Side;

    public static Dataset LoadTrain(MnistFiles files, FeatureScale scale = FeatureScale.Normalized) =>
        Load("mnist-train", files.TrainImages, files.TrainLabels, scale);

    public static Dataset LoadTest(MnistFiles files, FeatureScale scale = FeatureScale.Normalized) =>
        Load("mnist-test", files.TestImages, files.TestLabels, scale);

    /// <summary>
    /// Loads train and test with their pixels in one buffer, train first, so pooling them
    /// (<see cref="FederatedDataFactory"/>) shares that buffer instead of copying it.
    /// </summary>
    public static DatasetSplits LoadSplits(MnistFiles files, FeatureScale scale) =>
        LoadSplits("mnist", files, Transform(scale, PixelMean, PixelStd));

    /// <summary>
    /// Loads an MNIST-shaped data set (28×28 grey images, 10 classes, e.g. Fashion-MNIST) named
    /// <paramref name="name"/> from <paramref name="files"/> under the transform <paramref name="transform"/>.
    /// </summary>
    public static DatasetSplits LoadSplits(string name, MnistFiles files, (float[]? Scale, float[]? Shift) transform)
    {
        Dataset[] splits = Load(
            [($"{name}-train", files.TrainImages, files.TrainLabels), ($"{name}-test", files.TestImages, files.TestLabels)], transform);
        return new DatasetSplits(splits[0], splits[1], files.FetchSeconds);
    }

    /// <summary>Loads one images/labels pair; counts must match, images must be 28×28 and labels 0..9.</summary>
    public static Dataset Load(string name, string imagesPath, string labelsPath, FeatureScale scale) =>
        Load([(name, imagesPath, labelsPath)], Transform(scale))[0];

    /// <summary>
    /// The transform of <paramref name="scale"/> over raw pixel bytes: none for raw, else
    /// (x/255 − mean)/std as x · (1/(255·std)) + (−mean/std), both computed in double and rounded once.
    /// </summary>
    public static (float[]? Scale, float[]? Shift) Transform(FeatureScale scale) => Transform(scale, PixelMean, PixelStd);

    /// <summary><see cref="Transform(FeatureScale)"/> for another data set's pixel <paramref name="mean"/> and <paramref name="std"/> (of pixels scaled to [0, 1]).</summary>
    public static (float[]? Scale, float[]? Shift) Transform(FeatureScale scale, float mean, float std)
    {
        if (scale == FeatureScale.Raw) return (null, null);
        var factor = new float[FeatureCount];
        var shift = new float[FeatureCount];
        Array.Fill(factor, (float)(1.0 / (255.0 * std)));
        Array.Fill(shift, (float)(-(double)mean / std));
        return (factor, shift);
    }

    /// <summary>Loads the parts' pixels into one buffer, in order, each data set a view of its slice.</summary>
    private static Dataset[] Load((string Name, string Images, string Labels)[] parts, (float[]? Scale, float[]? Shift) transform)
    {
        var headers = new IdxImagesHeader[parts.Length];
        var labels = new int[parts.Length][];
        long total = 0;
        for (int p = 0; p < parts.Length; p++)
        {
            headers[p] = IdxReader.ReadImagesHeader(parts[p].Images);
            labels[p] = ReadLabels(parts[p].Labels);
            if (headers[p].Rows != Side || headers[p].Columns != Side)
                throw new InvalidDataException($"images '{parts[p].Images}' are {headers[p].Rows}x{headers[p].Columns}, expected {Side}x{Side}");
            if (headers[p].Count != labels[p].Length)
                throw new InvalidDataException(
                    $"images '{parts[p].Images}' hold {headers[p].Count} images but labels '{parts[p].Labels}' hold {labels[p].Length}");
            total += headers[p].PixelCount;
        }

        var pixels = new byte[total];
        var (factor, shift) = transform;
        var datasets = new Dataset[parts.Length];
        int offset = 0;
        for (int p = 0; p < parts.Length; p++)
        {
            int length = checked((int)headers[p].PixelCount);
            IdxReader.ReadImagePixels(parts[p].Images, headers[p], pixels.AsSpan(offset, length));
            datasets[p] = new Dataset(parts[p].Name, pixels.AsMemory(offset, length), labels[p], [1, Side, Side], ClassCount, factor, shift);
            offset += length;
        }
        return datasets;
    }

    private static int[] ReadLabels(string labelsPath)
    {
        ReadOnlySpan<byte> source = IdxReader.ReadLabels(labelsPath).Span;
        var labels = new int[source.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            if (source[i] >= ClassCount)
                throw new InvalidDataException($"labels '{labelsPath}': label {source[i]} at index {i} is not a digit 0..9");
            labels[i] = source[i];
        }
        return labels;
    }
}
