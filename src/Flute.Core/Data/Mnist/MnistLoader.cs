using System.Runtime.CompilerServices;

namespace Flute.Core.Data.Mnist;

/// <summary>
/// Loads MNIST from its IDX files as <see cref="Dataset"/>s of shape [1, 28, 28] with 10 classes.
/// Pixels are decoded through a 256-entry table straight from the file bytes, so all 70,000
/// images load in well under a second.
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

    public static Dataset LoadTrain(MnistFiles files, FeatureScale scale = FeatureScale.Normalized) =>
        Load("mnist-train", files.TrainImages, files.TrainLabels, scale);

    public static Dataset LoadTest(MnistFiles files, FeatureScale scale = FeatureScale.Normalized) =>
        Load("mnist-test", files.TestImages, files.TestLabels, scale);

    /// <summary>Loads one images/labels pair; counts must match, images must be 28×28 and labels 0..9.</summary>
    public static Dataset Load(string name, string imagesPath, string labelsPath, FeatureScale scale)
    {
        IdxImages images = IdxReader.ReadImages(imagesPath);
        ReadOnlyMemory<byte> labelBytes = IdxReader.ReadLabels(labelsPath);
        if (images.Rows != Side || images.Columns != Side)
            throw new InvalidDataException($"MNIST images '{imagesPath}' are {images.Rows}x{images.Columns}, expected {Side}x{Side}");
        if (images.Count != labelBytes.Length)
            throw new InvalidDataException(
                $"MNIST images '{imagesPath}' hold {images.Count} images but labels '{labelsPath}' hold {labelBytes.Length}");

        var labels = new int[labelBytes.Length];
        ReadOnlySpan<byte> source = labelBytes.Span;
        for (int i = 0; i < labels.Length; i++)
        {
            if (source[i] >= ClassCount)
                throw new InvalidDataException($"MNIST labels '{labelsPath}': label {source[i]} at index {i} is not a digit 0..9");
            labels[i] = source[i];
        }

        var features = new float[images.Pixels.Length];
        Decode(images.Pixels.Span, features, scale);
        return new Dataset(name, features, labels, [1, Side, Side], ClassCount);
    }

    /// <summary>Writes each pixel byte as a float in the given scale.</summary>
    // One pass over ~55 million bytes per load: compile it optimized at once, not after tiering.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Decode(ReadOnlySpan<byte> pixels, Span<float> destination, FeatureScale scale)
    {
        Span<float> table = stackalloc float[256];
        for (int b = 0; b < 256; b++)
            table[b] = scale == FeatureScale.Raw ? b : (b / 255f - PixelMean) / PixelStd;
        for (int i = 0; i < pixels.Length; i++)
            destination[i] = table[pixels[i]];
    }
}
