using System.IO.Compression;
using Flute.Core.Data;
using Flute.Core.Data.FashionMnist;
using Flute.Core.Data.Mnist;
using Flute.Core.Registry;

namespace Flute.Core.Tests.Data;

/// <summary>Fashion-MNIST's gzipped IDX files, on small generated files; the real package is not needed.</summary>
public sealed class FashionMnistTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flute-fashion-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Header(params int[] values) =>
        values.SelectMany(v => new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v }).ToArray();

    private string WriteGzip(string name, byte[] content)
    {
        string path = Path.Combine(_dir, name);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(content);
        return path;
    }

    [Fact]
    public void Gzipped_images_and_labels_read_like_plain_ones()
    {
        // 2 images of 2×3 pixels, 2 labels.
        byte[] pixels = [1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 255];
        string images = WriteGzip("imgs.gz", [.. Header(0x803, 2, 2, 3), .. pixels]);
        string labels = WriteGzip("labels.gz", [.. Header(0x801, 2), 7, 9]);

        IdxImagesHeader header = IdxReader.ReadImagesHeader(images);
        var read = new byte[header.PixelCount];
        IdxReader.ReadImagePixels(images, header, read);

        Assert.Equal((2, 2, 3), (header.Count, header.Rows, header.Columns));
        Assert.Equal(pixels, read);
        Assert.Equal(pixels, IdxReader.ReadImages(images).Pixels.ToArray());
        Assert.Equal(new byte[] { 7, 9 }, IdxReader.ReadLabels(labels).ToArray());
    }

    [Theory]
    [InlineData(11, "truncated: 2 images of 2x3 need 28 bytes, it decompresses to 27")]
    [InlineData(13, "unexpected bytes after 2 images of 2x3")]
    public void A_gzipped_file_of_the_wrong_length_names_the_file(int pixelBytes, string expected)
    {
        string images = WriteGzip("imgs.gz", [.. Header(0x803, 2, 2, 3), .. new byte[pixelBytes]]);
        IdxImagesHeader header = IdxReader.ReadImagesHeader(images);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImagePixels(images, header, new byte[12]));

        Assert.Equal($"IDX file '{images}': {expected}", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_gzip_is_named()
    {
        string path = Path.Combine(_dir, "plain.gz");
        File.WriteAllBytes(path, Header(0x803, 1, 1, 1));

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImagesHeader(path));

        Assert.StartsWith($"IDX file '{path}': not valid gzip", error.Message);
    }

    [Fact]
    public void The_data_set_loads_from_a_directory_of_gz_files_with_its_own_normalization()
    {
        // 3 training and 2 test images of 28×28; pixel value = image index × 50, labels 0, 9, 4 / 1, 2.
        WriteSet(MnistFiles.TrainImagesName, MnistFiles.TrainLabelsName, [0, 9, 4]);
        WriteSet(MnistFiles.TestImagesName, MnistFiles.TestLabelsName, [1, 2]);
        var data = new Flute.Core.Configuration.DataSection { Partition = "iid", NumClients = 3 };

        FederatedData federated = Components.Datasets.Create("fashion-mnist", data).Load(data, _dir, seed: 1, TextWriter.Null).Data;

        Assert.Equal("fashion-mnist-train", federated.Train.Name);
        Assert.Equal([0, 9, 4], federated.Train.Labels);
        Assert.Equal([1, 2], federated.Test.Labels);
        var first = new float[784];
        federated.Test.CopySample(1, first);
        // Pixel 50: (50/255 − 0.2860) / 0.3530, as x · (1/(255·0.353)) + (−0.286/0.353) in float.
        float expected = 50 * (float)(1.0 / (255.0 * 0.3530f)) + (float)(-(double)0.2860f / 0.3530f);
        Assert.Equal(expected, first[0]);
    }

    [Fact]
    public void Missing_files_give_one_line_naming_the_debian_package_or_the_file()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;

        var absent = Assert.Throws<InvalidOperationException>(() =>
            FashionMnistFetcher.Ensure(null, Path.Combine(_dir, "nowhere"), Path.Combine(_dir, "cache"), fetch: false, TextWriter.Null));
        var incomplete = Assert.Throws<InvalidOperationException>(() => FashionMnistFetcher.Ensure(empty, TextWriter.Null));

        Assert.Contains("install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist)", absent.Message);
        Assert.Equal($"Fashion-MNIST data dir '{empty}' has no file 'train-images-idx3-ubyte.gz' (or 'train-images-idx3-ubyte')", incomplete.Message);
    }

    [Fact]
    public void The_installed_folder_wins_over_the_cache()
    {
        foreach (string name in MnistFiles.RequiredNames) File.WriteAllBytes(Path.Combine(_dir, name + ".gz"), []);

        MnistFiles files = FashionMnistFetcher.Ensure(null, _dir, Path.Combine(_dir, "cache"), fetch: false, TextWriter.Null);

        Assert.Equal(_dir, files.Directory);
        Assert.Equal(Path.Combine(_dir, "train-images-idx3-ubyte.gz"), files.TrainImages);
    }

    private void WriteSet(string imagesName, string labelsName, byte[] labels)
    {
        byte[] pixels = new byte[labels.Length * 784];
        for (int i = 0; i < labels.Length; i++) Array.Fill(pixels, (byte)(i * 50), i * 784, 784);
        WriteGzip(imagesName + ".gz", [.. Header(0x803, labels.Length, 28, 28), .. pixels]);
        WriteGzip(labelsName + ".gz", [.. Header(0x801, labels.Length), .. labels]);
    }
}
