using Flute.Core.Data.Mnist;

namespace Flute.Core.Tests.Data;

public sealed class IdxReaderTests
{
    private static byte[] Images(int magic, int count, int rows, int columns, params byte[] pixels)
    {
        var bytes = new List<byte>();
        foreach (int value in new[] { magic, count, rows, columns })
            bytes.AddRange([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
        bytes.AddRange(pixels);
        return bytes.ToArray();
    }

    [Fact]
    public void ParseImages_reads_big_endian_header_and_row_major_pixels()
    {
        // 2 images of 2x3 pixels; sizes are big-endian, so 0x00000002 reads as 2, not 2^25.
        byte[] file = Images(0x00000803, 2, 2, 3, 1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 255);

        IdxImages images = IdxReader.ParseImages(file, "imgs");

        Assert.Equal((2, 2, 3, 6), (images.Count, images.Rows, images.Columns, images.PixelsPerImage));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 255 }, images.Pixels.ToArray());
    }

    [Fact]
    public void ParseLabels_reads_one_byte_per_label()
    {
        byte[] file = [0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9];

        ReadOnlyMemory<byte> labels = IdxReader.ParseLabels(file, "labels");

        Assert.Equal(new byte[] { 7, 0, 9 }, labels.ToArray());
    }

    [Fact]
    public void Bad_magic_names_the_file_and_both_numbers()
    {
        byte[] labelsFile = [0, 0, 8, 1, 0, 0, 0, 0];

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ParseImages(labelsFile, "/d/train-images-idx3-ubyte"));

        Assert.Contains("/d/train-images-idx3-ubyte", error.Message);
        Assert.Contains("0x00000801", error.Message);
        Assert.Contains("0x00000803", error.Message);
    }

    [Fact]
    public void Truncated_pixels_are_rejected_with_the_expected_length()
    {
        // Header promises 2 images of 2x2 = 8 pixel bytes after 16 header bytes; only 7 follow.
        byte[] file = Images(0x00000803, 2, 2, 2, 1, 2, 3, 4, 5, 6, 7);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ParseImages(file, "short.idx"));

        Assert.Contains("short.idx", error.Message);
        Assert.Contains("truncated", error.Message);
        Assert.Contains("24 bytes", error.Message);
    }

    [Fact]
    public void Truncated_header_is_rejected()
    {
        byte[] file = [0, 0, 8, 3, 0, 0, 0, 1, 0, 0];

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ParseImages(file, "hdr.idx"));

        Assert.Contains("hdr.idx", error.Message);
        Assert.Contains("header", error.Message);
    }

    [Fact]
    public void Trailing_bytes_are_rejected()
    {
        byte[] file = [0, 0, 8, 1, 0, 0, 0, 1, 4, 99];

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ParseLabels(file, "long.idx"));

        Assert.Contains("long.idx", error.Message);
        Assert.Contains("1 unexpected bytes", error.Message);
    }

    [Fact]
    public void Missing_file_error_names_it()
    {
        string path = Path.Combine(Path.GetTempPath(), $"flute-missing-{Guid.NewGuid():N}", "t10k-labels-idx1-ubyte");

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));

        Assert.Contains(path, error.Message);
    }
}
