using System.Runtime.InteropServices;

namespace Flute.Core.Data.Partitioned;

/// <summary>
/// Writes a version-2 <see cref="PartitionedFile"/> one block at a time, so an import streams: a
/// user's samples are written as soon as they are read and only the index (two entries per user)
/// stays in memory. Add every training block first (each names a new client, in order), then the
/// test blocks (a user without training data becomes a test-only block, not a client), then
/// <see cref="Complete"/>. Everything goes to a temporary file next to the target, renamed over it
/// only by <see cref="Complete"/>; disposing without completing deletes it, so a failed import
/// leaves no file that opens.
/// </summary>
public sealed class PartitionedFileBuilder : IDisposable
{
    private readonly string _path;
    private readonly string _temp;
    private readonly FileStream _stream;
    private readonly BinaryWriter _writer;
    private readonly Dictionary<string, int> _clientIds = new(StringComparer.Ordinal);
    private readonly List<(long Start, long Count)> _train = [];
    private readonly List<(long Start, long Count)?> _clientTests = [];
    private readonly List<(long Start, long Count)> _extraTests = [];
    private readonly HashSet<string> _testUsers = new(StringComparer.Ordinal);
    private bool _completed;

    /// <summary>Starts the temporary file for <paramref name="path"/> (float storage).</summary>
    public PartitionedFileBuilder(string path)
    {
        _path = path;
        _temp = $"{path}.{Environment.ProcessId}.tmp";
        _stream = new FileStream(_temp, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 20);
        _writer = new BinaryWriter(_stream);
        _writer.Write("FLPF"u8);
        _writer.Write(PartitionedFile.VersionWithClientTests);
        _writer.Write((ushort)0);
        _writer.Write(0L);
    }

    /// <summary>Features per sample, fixed by the first block with samples (0 before).</summary>
    public int FeatureCount { get; private set; }

    /// <summary>The largest label written so far (−1 before any).</summary>
    public int MaxLabel { get; private set; } = -1;

    /// <summary>Clients so far (users with a training block).</summary>
    public int Clients => _train.Count;

    /// <summary>Test blocks of users with no training data (in the test set, not clients).</summary>
    public int TestOnlyUsers => _extraTests.Count;

    /// <summary>Training and test samples written so far.</summary>
    public long Samples { get; private set; }

    /// <summary>Whether <paramref name="user"/> already has a training block.</summary>
    public bool HasClient(string user) => _clientIds.ContainsKey(user);

    /// <summary>Whether <paramref name="user"/> already has a test block.</summary>
    public bool HasTest(string user) => _testUsers.Contains(user);

    /// <summary>
    /// Writes <paramref name="user"/>'s training samples as the next client. Callers check for
    /// duplicates and ragged rows first, to name the file and row; these throws are the last guard.
    /// </summary>
    public void AddTrain(string user, ReadOnlySpan<int> labels, ReadOnlySpan<float> features)
    {
        if (_clientTests.Count > _train.Count || _extraTests.Count > 0) throw new InvalidOperationException("training blocks must all come before test blocks");
        if (!_clientIds.TryAdd(user, _train.Count)) throw new ArgumentException($"user '{user}' has training data twice");
        _train.Add(WriteBlock(labels, features));
    }

    /// <summary>Writes <paramref name="user"/>'s test samples: its client's test split, or a test-only block for a user with no training data.</summary>
    public void AddTest(string user, ReadOnlySpan<int> labels, ReadOnlySpan<float> features)
    {
        if (!_testUsers.Add(user)) throw new ArgumentException($"user '{user}' has test data twice");
        while (_clientTests.Count < _train.Count) _clientTests.Add(null);
        (long, long) block = WriteBlock(labels, features);
        if (_clientIds.TryGetValue(user, out int client)) _clientTests[client] = block;
        else _extraTests.Add(block);
    }

    /// <summary>
    /// Writes the footer with <paramref name="shape"/> (null: one flat dimension) and
    /// <paramref name="classes"/> (0: the largest label + 1), then renames the file into place.
    /// </summary>
    public void Complete(int[]? shape, int classes)
    {
        if (_train.Count == 0) throw new InvalidOperationException("no user has training data");
        if (FeatureCount == 0) throw new InvalidOperationException("no sample has features");
        shape ??= [FeatureCount];
        if (shape.Aggregate(1L, (a, d) => a * d) != FeatureCount)
            throw new ArgumentException($"shape [{string.Join(',', shape)}] does not hold the {FeatureCount} features of a sample");
        if (classes == 0) classes = MaxLabel + 1;
        if (MaxLabel >= classes) throw new ArgumentException($"label {MaxLabel} is outside the {classes} classes");

        long footer = _stream.Position;
        _writer.Write((byte)1);
        _writer.Write((byte)0);
        _writer.Write((long)_train.Count);
        _writer.Write(FeatureCount);
        _writer.Write(classes);
        _writer.Write(shape.Length);
        foreach (int d in shape) _writer.Write(d);
        _writer.Write((byte)0);
        _writer.Write((long)_extraTests.Count);
        while (_clientTests.Count < _train.Count) _clientTests.Add(null);
        long emptyAt = footer; // an empty block may point anywhere inside the file
        foreach (var (start, count) in _train) WriteEntry(start, count);
        foreach (var block in _clientTests) WriteEntry(block?.Start ?? emptyAt, block?.Count ?? 0);
        foreach (var (start, count) in _extraTests) WriteEntry(start, count);
        _writer.Flush();
        _stream.Position = 8;
        _writer.Write(footer);
        _writer.Flush();
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(_temp, _path, overwrite: true);
        _completed = true;
    }

    /// <summary>Deletes the temporary file unless <see cref="Complete"/> renamed it.</summary>
    public void Dispose()
    {
        _writer.Dispose();
        _stream.Dispose();
        if (!_completed) File.Delete(_temp);
    }

    private void WriteEntry(long start, long count)
    {
        _writer.Write(start);
        _writer.Write(count);
    }

    private (long Start, long Count) WriteBlock(ReadOnlySpan<int> labels, ReadOnlySpan<float> features)
    {
        if (labels.Length > 0)
        {
            if (FeatureCount == 0) FeatureCount = features.Length / labels.Length;
            if (features.Length != (long)labels.Length * FeatureCount)
                throw new ArgumentException($"{features.Length} feature values do not make {labels.Length} samples of {FeatureCount}");
        }
        long start = _stream.Position;
        foreach (int label in labels)
        {
            if (label < 0) throw new ArgumentException($"label {label} is negative");
            if (label > MaxLabel) MaxLabel = label;
        }
        _writer.Write(MemoryMarshal.AsBytes(labels));
        _writer.Write(MemoryMarshal.AsBytes(features));
        Samples += labels.Length;
        return (start, labels.Length);
    }
}
