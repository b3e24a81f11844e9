namespace Flute.Core.Persistence;

/// <summary>
/// A store for large checkpoint values (weights, optimizer moments, strategy and client state) under
/// relative keys such as <c>experiments/&lt;id&gt;/rounds/000042/weights.bin</c> (see
/// <see cref="CheckpointKeys"/>). Every blob is stored with a <see cref="CheckpointEnvelope"/> header
/// (format version, length, SHA-256) and verified on read; a put replaces a blob atomically, so a reader
/// sees the old bytes or the new, never a mix.
/// </summary>
public interface ICheckpointStore
{
    /// <summary>Stores <paramref name="data"/> under <paramref name="key"/>, atomically replacing any previous blob; durable when the task completes.</summary>
    /// <exception cref="ArgumentException">The key is invalid (<see cref="CheckpointKeys.Validate"/>).</exception>
    Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>The verified content of the blob, or null if there is none.</summary>
    /// <exception cref="CorruptCheckpointException">The blob is truncated, has a bad header or fails its checksum.</exception>
    Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Whether a blob exists under <paramref name="key"/> (without verifying it).</summary>
    Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>The keys that start with <paramref name="prefix"/> (plain string prefix; order unspecified). Temp and lock files are never listed.</summary>
    IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes the blob under <paramref name="key"/>; nothing happens if there is none.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Where <paramref name="key"/> is stored (a file path, a blob address), for messages.</summary>
    string Locate(string key);
}
