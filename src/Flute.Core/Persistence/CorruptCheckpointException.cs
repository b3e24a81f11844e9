namespace Flute.Core.Persistence;

/// <summary>
/// A checkpoint blob failed verification: truncated, checksum mismatch, bad header, missing, or
/// undecodable. The message names the key and, for the local store, the file; a store never returns
/// the bytes of a blob that failed.
/// </summary>
public sealed class CorruptCheckpointException : Exception
{
    /// <summary>Creates the exception; <paramref name="location"/> is the file path when there is one.</summary>
    public CorruptCheckpointException(string key, string? location, CheckpointCorruption kind, string detail, Exception? innerException = null)
        : base(FormatMessage(key, location, kind, detail), innerException)
    {
        Key = key;
        Location = location;
        Kind = kind;
    }

    /// <summary>The store key of the blob.</summary>
    public string Key { get; }

    /// <summary>Where the blob lives (a file path for the local store), or null.</summary>
    public string? Location { get; }

    /// <summary>What is wrong.</summary>
    public CheckpointCorruption Kind { get; }

    private static string FormatMessage(string key, string? location, CheckpointCorruption kind, string detail)
    {
        string where = location is null ? $"'{key}'" : $"'{key}' (file {location})";
        string what = kind switch
        {
            CheckpointCorruption.Truncated => "truncated",
            CheckpointCorruption.ChecksumMismatch => "checksum mismatch",
            CheckpointCorruption.BadHeader => "bad header",
            CheckpointCorruption.Missing => "missing",
            CheckpointCorruption.BadContent => "unreadable content",
            _ => kind.ToString(),
        };
        return $"Checkpoint {where} is corrupt: {what}: {detail}.";
    }
}
