using System.Buffers.Binary;
using System.IO.Compression;
using Microsoft.Win32.SafeHandles;

namespace Flute.Core.Data.Mnist;

/// <summary>
/// Reads IDX files (the format of the MNIST distribution): a big-endian header — two zero bytes,
/// a type code (0x08 = unsigned byte), the number of dimensions — then one big-endian int32 per
/// dimension, then the data. Only unsigned-byte idx3 (images) and idx1 (labels) are supported.
/// A file whose name ends in <c>.gz</c> (as Fashion-MNIST is distributed) is decompressed while it
/// is read, never to disk. Every error names the file, so a bad download is easy to find.
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
        IdxImagesHeader header = CheckImagesHeader(bytes, lengthKnown: true, bytes.Length, source);
        return new IdxImages(header.Count, header.Rows, header.Columns, bytes.AsMemory(IdxImagesHeader.PixelOffset, checked((int)header.PixelCount)));
    }

    /// <summary>
    /// Reads and checks an idx3 file's header, and that the file holds exactly its pixels, without
    /// reading the pixels, so a caller can size one buffer for several files.
    /// </summary>
    public static IdxImagesHeader ReadImagesHeader(string path)
    {
        if (IsGzip(path))
        {
            // The decompressed length is unknown until the end: ReadImagePixels checks it.
            using Stream gzip = OpenGzip(path);
            Span<byte> start = stackalloc byte[IdxImagesHeader.PixelOffset];
            int got = ReadFully(gzip, start, path);
            return CheckImagesHeader(start[..got], lengthKnown: false, got, path);
        }
        using SafeFileHandle file = Open(path);
        long length = RandomAccess.GetLength(file);
        Span<byte> header = stackalloc byte[IdxImagesHeader.PixelOffset];
        int read = ReadAt(file, header, 0, path);
        return CheckImagesHeader(header[..read], lengthKnown: true, length, path);
    }

    /// <summary>
    /// Reads the pixels of an idx3 file whose <paramref name="header"/> was read with
    /// <see cref="ReadImagesHeader"/> straight into <paramref name="destination"/> (exactly
    /// <see cref="IdxImagesHeader.PixelCount"/> long), with no intermediate copy.
    /// </summary>
    public static void ReadImagePixels(string path, IdxImagesHeader header, Span<byte> destination)
    {
        if (destination.Length != header.PixelCount)
            throw new ArgumentException($"destination holds {destination.Length} bytes; '{path}' has {header.PixelCount} pixels", nameof(destination));
        if (IsGzip(path))
        {
            ReadGzipPixels(path, header, destination);
            return;
        }
        using SafeFileHandle file = Open(path);
        long expected = IdxImagesHeader.PixelOffset + header.PixelCount;
        long length = RandomAccess.GetLength(file);
        int read = ReadAt(file, destination, IdxImagesHeader.PixelOffset, path);
        if (length != expected || read != destination.Length)
            throw new InvalidDataException($"IDX file '{path}': changed while being read ({length} bytes, expected {expected})");
    }

    /// <summary>Parses idx1 unsigned-byte labels; <paramref name="source"/> names the file in errors.</summary>
    public static ReadOnlyMemory<byte> ParseLabels(byte[] bytes, string source)
    {
        ReadOnlySpan<int> dims = ParseHeader(bytes, bytes.Length, source, LabelsMagic, dimensions: 1);
        int offset = HeaderLength(1);
        CheckLength(bytes.Length, source, offset + (long)dims[0], $"{dims[0]} labels");
        return bytes.AsMemory(offset, dims[0]);
    }

    private static int HeaderLength(int dimensions) => 4 + 4 * dimensions;

    /// <summary>Checks an idx3 header (<paramref name="bytes"/> holds at least its first bytes) against a file of <paramref name="fileLength"/> bytes.</summary>
    private static IdxImagesHeader CheckImagesHeader(ReadOnlySpan<byte> bytes, bool lengthKnown, long fileLength, string source)
    {
        ReadOnlySpan<int> dims = ParseHeader(bytes, fileLength, source, ImagesMagic, dimensions: 3);
        int count = dims[0], rows = dims[1], columns = dims[2];
        if (rows == 0 || columns == 0)
            throw new InvalidDataException($"IDX file '{source}': image size {rows}x{columns} is empty");
        var header = new IdxImagesHeader(count, rows, columns);
        if (lengthKnown) CheckLength(fileLength, source, IdxImagesHeader.PixelOffset + header.PixelCount, $"{count} images of {rows}x{columns}");
        return header;
    }

    /// <summary>Parses the header at the start of <paramref name="bytes"/>; <paramref name="fileLength"/> is the whole file's.</summary>
    private static int[] ParseHeader(ReadOnlySpan<byte> bytes, long fileLength, string source, int magic, int dimensions)
    {
        int headerLength = HeaderLength(dimensions);
        if (fileLength < 4)
            throw new InvalidDataException($"IDX file '{source}': {fileLength} bytes is too short for an IDX header");
        int actual = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (actual != magic)
            throw new InvalidDataException(
                $"IDX file '{source}': magic number 0x{actual:X8}, expected 0x{magic:X8} (unsigned bytes, {dimensions} dimension{(dimensions == 1 ? "" : "s")})");
        if (fileLength < headerLength || bytes.Length < headerLength)
            throw new InvalidDataException($"IDX file '{source}': truncated header ({Math.Min(fileLength, bytes.Length)} of {headerLength} bytes)");
        var dims = new int[dimensions];
        for (int i = 0; i < dimensions; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes[(4 + 4 * i)..]);
            if (dims[i] < 0)
                throw new InvalidDataException($"IDX file '{source}': dimension {i} has negative size {dims[i]}");
        }
        return dims;
    }

    private static void CheckLength(long fileLength, string source, long expected, string what)
    {
        if (fileLength < expected)
            throw new InvalidDataException($"IDX file '{source}': truncated: {what} need {expected} bytes, the file has {fileLength}");
        if (fileLength > expected)
            throw new InvalidDataException($"IDX file '{source}': {fileLength - expected} unexpected bytes after {what}");
    }

    private static SafeFileHandle Open(string path)
    {
        try
        {
            return File.OpenHandle(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"IDX file '{path}': cannot read: {e.Message}", e);
        }
    }

    /// <summary>Reads until <paramref name="destination"/> is full or the file ends; returns the bytes read.</summary>
    private static int ReadAt(SafeFileHandle file, Span<byte> destination, long offset, string path)
    {
        int total = 0;
        try
        {
            while (total < destination.Length)
            {
                int read = RandomAccess.Read(file, destination[total..], offset + total);
                if (read == 0) break;
                total += read;
            }
        }
        catch (IOException e)
        {
            throw new InvalidDataException($"IDX file '{path}': cannot read: {e.Message}", e);
        }
        return total;
    }

    /// <summary>Whether <paramref name="path"/> names a gzip-compressed IDX file (by its <c>.gz</c> suffix).</summary>
    public static bool IsGzip(string path) => path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>Decompresses the pixels after the header straight into <paramref name="destination"/>, then checks nothing follows them.</summary>
    private static void ReadGzipPixels(string path, IdxImagesHeader header, Span<byte> destination)
    {
        using Stream gzip = OpenGzip(path);
        Span<byte> skip = stackalloc byte[IdxImagesHeader.PixelOffset];
        int got = ReadFully(gzip, skip, path) + ReadFully(gzip, destination, path);
        long expected = IdxImagesHeader.PixelOffset + header.PixelCount;
        if (got != expected)
            throw new InvalidDataException($"IDX file '{path}': truncated: {header.Count} images of {header.Rows}x{header.Columns} need {expected} bytes, it decompresses to {got}");
        Span<byte> extra = stackalloc byte[1];
        if (ReadFully(gzip, extra, path) != 0)
            throw new InvalidDataException($"IDX file '{path}': unexpected bytes after {header.Count} images of {header.Rows}x{header.Columns}");
    }

    private static Stream OpenGzip(string path)
    {
        try
        {
            return new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"IDX file '{path}': cannot read: {e.Message}", e);
        }
    }

    /// <summary>Reads until <paramref name="destination"/> is full or the stream ends; a corrupt gzip stream is an error naming the file.</summary>
    private static int ReadFully(Stream stream, Span<byte> destination, string path)
    {
        int total = 0;
        try
        {
            while (total < destination.Length)
            {
                int read = stream.Read(destination[total..]);
                if (read == 0) break;
                total += read;
            }
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"IDX file '{path}': not valid gzip: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new InvalidDataException($"IDX file '{path}': cannot read: {e.Message}", e);
        }
        return total;
    }

    private static byte[] ReadAll(string path)
    {
        try
        {
            if (IsGzip(path))
            {
                using Stream gzip = OpenGzip(path);
                using var memory = new MemoryStream();
                gzip.CopyTo(memory);
                return memory.ToArray();
            }
            return File.ReadAllBytes(path);
        }
        catch (InvalidDataException e) when (IsGzip(path) && !e.Message.StartsWith("IDX file", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"IDX file '{path}': not valid gzip: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"IDX file '{path}': cannot read: {e.Message}", e);
        }
    }
}
