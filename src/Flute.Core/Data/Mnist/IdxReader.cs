using System.Buffers.Binary;

namespace Flute.Core.Data.Mnist;

/// <summary>
/// Reads IDX files (the format of the MNIST distribution): a big-endian header — two zero bytes,
/// a type code (0x08 = unsigned byte), the number of dimensions — then one big-endian int32 per
/// dimension, then the data. Only unsigned-byte idx3 (images) and idx1 (labels) are supported.
/// Every error names the file, so a bad download is easy to find.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of an unsigned-byte IDX file with 3 dimensions (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an unsigned-byte IDX file with 1 dimension (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    public static IdxImages ReadImages(string path) => ParseImages(ReadAll(path), path);

    public static ReadOnlyMemory<byte> ReadLabels(string path) => ParseLabels(ReadAll(path), path);

    /// <summary>Parses idx3 unsigned-byte images; <paramref name="source"/> names the file in errors.</summary>
    public static IdxImages ParseImages(byte[] bytes, string source)
    {
        ReadOnlySpan<int> dims = ParseHeader(bytes, source, ImagesMagic, dimensions: 3);
        int count = dims[0], rows = dims[1], columns = dims[2];
        if (rows == 0 || columns == 0)
            throw new InvalidDataException($"IDX file '{source}': image size {rows}x{columns} is empty");
        int offset = HeaderLength(3);
        long expected = offset + (long)count * rows * columns;
        CheckLength(bytes, source, expected, $"{count} images of {rows}x{columns}");
        return new IdxImages(count, rows, columns, bytes.AsMemory(offset, (int)(expected - offset)));
    }

    /// <summary>Parses idx1 unsigned-byte labels; <paramref name="source"/> names the file in errors.</summary>
    public static ReadOnlyMemory<byte> ParseLabels(byte[] bytes, string source)
    {
        ReadOnlySpan<int> dims = ParseHeader(bytes, source, LabelsMagic, dimensions: 1);
        int offset = HeaderLength(1);
        CheckLength(bytes, source, offset + (long)dims[0], $"{dims[0]} labels");
        return bytes.AsMemory(offset, dims[0]);
    }

    private static int HeaderLength(int dimensions) => 4 + 4 * dimensions;

    private static int[] ParseHeader(byte[] bytes, string source, int magic, int dimensions)
    {
        int headerLength = HeaderLength(dimensions);
        if (bytes.Length < 4)
            throw new InvalidDataException($"IDX file '{source}': {bytes.Length} bytes is too short for an IDX header");
        int actual = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (actual != magic)
            throw new InvalidDataException(
                $"IDX file '{source}': magic number 0x{actual:X8}, expected 0x{magic:X8} (unsigned bytes, {dimensions} dimension{(dimensions == 1 ? "" : "s")})");
        if (bytes.Length < headerLength)
            throw new InvalidDataException($"IDX file '{source}': truncated header ({bytes.Length} of {headerLength} bytes)");
        var dims = new int[dimensions];
        for (int i = 0; i < dimensions; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (dims[i] < 0)
                throw new InvalidDataException($"IDX file '{source}': dimension {i} has negative size {dims[i]}");
        }
        return dims;
    }

    private static void CheckLength(byte[] bytes, string source, long expected, string what)
    {
        if (bytes.Length < expected)
            throw new InvalidDataException($"IDX file '{source}': truncated: {what} need {expected} bytes, the file has {bytes.Length}");
        if (bytes.Length > expected)
            throw new InvalidDataException($"IDX file '{source}': {bytes.Length - expected} unexpected bytes after {what}");
    }

    private static byte[] ReadAll(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"IDX file '{path}': cannot read: {e.Message}", e);
        }
    }
}
