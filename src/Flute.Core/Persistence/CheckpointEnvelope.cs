using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Flute.Core.Persistence;

/// <summary>
/// The 48-byte header every checkpoint blob is stored with, on any backend:
/// magic "FLCK", format version (uint16 LE), reserved zero (uint16), content length (int64 LE), and the
/// SHA-256 of the content. Every header byte is checked on read, so a flipped byte anywhere in a blob is
/// reported as a bad header, a truncation or a checksum mismatch, never returned as data.
/// </summary>
public static class CheckpointEnvelope
{
    /// <summary>The header's size in bytes.</summary>
    public const int HeaderSize = 48;

    /// <summary>The header format version written; readers refuse any other.</summary>
    public const ushort FormatVersion = 1;

    private const int LengthOffset = 8;
    private const int HashOffset = 16;

    private static ReadOnlySpan<byte> Magic => "FLCK"u8;

    /// <summary>Writes the header for <paramref name="content"/> into the first <see cref="HeaderSize"/> bytes of <paramref name="header"/>.</summary>
    public static void WriteHeader(ReadOnlySpan<byte> content, Span<byte> header)
    {
        if (header.Length < HeaderSize)
        {
            throw new ArgumentException($"The header needs {HeaderSize} bytes; {header.Length} were given.", nameof(header));
        }
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(header[LengthOffset..], content.Length);
        SHA256.HashData(content, header[HashOffset..]);
    }

    /// <summary>The header followed by the content, for backends that upload one buffer.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> content)
    {
        var blob = new byte[HeaderSize + content.Length];
        WriteHeader(content, blob);
        content.CopyTo(blob.AsSpan(HeaderSize));
        return blob;
    }

    /// <summary>Verifies a whole blob and returns its content (a view into <paramref name="blob"/>).</summary>
    /// <exception cref="CorruptCheckpointException">The blob fails verification.</exception>
    public static ReadOnlyMemory<byte> Unseal(ReadOnlyMemory<byte> blob, string key, string? location = null)
    {
        Span<byte> expected = stackalloc byte[SHA256.HashSizeInBytes];
        long length = ReadHeader(blob.Span[..Math.Min(blob.Length, HeaderSize)], blob.Length, expected, key, location);
        ReadOnlyMemory<byte> content = blob.Slice(HeaderSize, (int)length);
        VerifyContent(content.Span, expected, key, location);
        return content;
    }

    /// <summary>
    /// Checks a header (the first bytes of a blob of <paramref name="blobLength"/> bytes), copies the
    /// expected SHA-256 into <paramref name="sha256"/> and returns the content length.
    /// </summary>
    /// <exception cref="CorruptCheckpointException">The header is bad or the blob is shorter than it says.</exception>
    public static long ReadHeader(ReadOnlySpan<byte> header, long blobLength, Span<byte> sha256, string key, string? location = null)
    {
        int magicBytes = (int)Math.Min(Math.Min(header.Length, blobLength), Magic.Length);
        if (!header[..magicBytes].SequenceEqual(Magic[..magicBytes]))
        {
            throw new CorruptCheckpointException(key, location, CheckpointCorruption.BadHeader, "it does not start with the checkpoint magic \"FLCK\"");
        }
        if (blobLength < HeaderSize || header.Length < HeaderSize)
        {
            throw new CorruptCheckpointException(key, location, CheckpointCorruption.Truncated,
                $"{Math.Min(blobLength, header.Length)} bytes, shorter than the {HeaderSize}-byte header");
        }
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        if (version != FormatVersion)
        {
            throw new CorruptCheckpointException(key, location, CheckpointCorruption.BadHeader,
                $"format version {version} is not supported (expected {FormatVersion})");
        }
        ushort reserved = BinaryPrimitives.ReadUInt16LittleEndian(header[6..]);
        if (reserved != 0)
        {
            throw new CorruptCheckpointException(key, location, CheckpointCorruption.BadHeader, $"reserved field is {reserved}, not 0");
        }
        long length = BinaryPrimitives.ReadInt64LittleEndian(header[LengthOffset..]);
        long present = blobLength - HeaderSize;
        if (length < 0 || length > Array.MaxLength)
        {
            throw new CorruptCheckpointException(key, location, CheckpointCorruption.BadHeader, $"content length {length} is impossible");
        }
        if (present < length)
        {
            throw new CorruptCheckpointException(key, location, CheckpointCorruption.Truncated,
                $"the header says {length} content bytes, {present} are present");
        }
        if (present > length)
        {
            throw new CorruptCheckpointException(key, location, CheckpointCorruption.BadHeader,
                $"the header says {length} content bytes, {present} are present");
        }
        header.Slice(HashOffset, SHA256.HashSizeInBytes).CopyTo(sha256);
        return length;
    }

    /// <summary>Checks <paramref name="content"/> against the SHA-256 from its header.</summary>
    /// <exception cref="CorruptCheckpointException">The checksums differ.</exception>
    public static void VerifyContent(ReadOnlySpan<byte> content, ReadOnlySpan<byte> sha256, string key, string? location = null)
    {
        Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(content, actual);
        if (!actual.SequenceEqual(sha256))
        {
            throw new CorruptCheckpointException(key, location, CheckpointCorruption.ChecksumMismatch,
                $"SHA-256 of the {content.Length} content bytes is {Convert.ToHexStringLower(actual)}, the header says {Convert.ToHexStringLower(sha256)}");
        }
    }
}
