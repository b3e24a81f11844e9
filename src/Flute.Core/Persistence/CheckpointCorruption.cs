namespace Flute.Core.Persistence;

/// <summary>What is wrong with a checkpoint blob (see <see cref="CorruptCheckpointException"/>).</summary>
public enum CheckpointCorruption
{
    /// <summary>The blob is shorter than its header says (or shorter than the header itself).</summary>
    Truncated = 1,

    /// <summary>The content's SHA-256 differs from the one in the header.</summary>
    ChecksumMismatch = 2,

    /// <summary>The header is not a checkpoint header, has an unknown version, or disagrees with the blob's size.</summary>
    BadHeader = 3,

    /// <summary>A checkpoint record refers to a blob that does not exist.</summary>
    Missing = 4,

    /// <summary>The blob is intact but its content cannot be decoded (e.g. a record of an unknown format).</summary>
    BadContent = 5,
}
