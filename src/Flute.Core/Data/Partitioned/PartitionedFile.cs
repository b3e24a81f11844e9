using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace Flute.Core.Data.Partitioned;

/// <summary>
/// A federated data set partitioned once and stored in one file, for populations too large to
/// partition at every start (100,000 MNIST clients by Dirichlet, say), or imported with its natural
/// partition (<c>flute data import</c>). Two layouts, little-endian; this build reads both.
/// Version 1 (written by <c>flute data partition</c>):
/// <code>
/// header   "FLPF", u16 version (1), FIELDS
/// FIELDS   u8 storage (0 byte, 1 float32), u8 0, i64 clients, i32 features, i32 classes, i32 rank,
///          rank × i32 sample shape, u8 has-transform, then (if 1) features × f32 scale and features × f32 shift
/// index    (clients + 2) × i64 offsets from the file start: block k spans [offset k, offset k+1);
///          blocks 0 … clients−1 are the clients, block "clients" is the test set
/// blocks   n × i32 labels, then n × features values (u8 or f32), n = length / (4 + features × size)
/// </code>
/// Version 2 (written by <see cref="PartitionedFileBuilder"/>, streaming, so its header is a footer):
/// <code>
/// preamble "FLPF", u16 version (2), u16 0, i64 footer offset
/// blocks   as in version 1, in any order
/// footer   FIELDS, i64 extra test blocks E, then (2 × clients + E) × (i64 offset, i64 samples):
///          clients' training blocks, clients' test blocks, then test blocks of users with no
///          training data; the footer ends the file
/// </code>
/// A version-2 file has a test split per client (<see cref="ReadClientTest"/>); its test set is all
/// test blocks in that order. The file is memory-mapped; a client's shard is read from its own
/// block only (one copy of its bytes), so opening costs the header, the index and the test set,
/// whatever the population. An empty client has an empty block: it is sampled like any other and
/// contributes nothing (see docs/data.md, "Empty clients").
/// </summary>
public sealed class PartitionedFile : IDisposable
{
    private static ReadOnlySpan<byte> Magic => "FLPF"u8;
    private const ushort Version = 1;

    /// <summary>The streaming layout with a test split per client (see the type's summary).</summary>
    internal const ushort VersionWithClientTests = 2;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long[] _starts;
    private readonly long[] _counts;

    private PartitionedFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, long clients, DatasetStorage storage,
        int features, int classes, int[] shape, float[]? scale, float[]? shift, long[] starts, long[] counts, bool clientTests)
    {
        Path = path;
        _map = map;
        _view = view;
        Clients = clients;
        Storage = storage;
        FeatureCount = features;
        ClassCount = classes;
        SampleShape = shape;
        Scale = scale;
        Shift = shift;
        _starts = starts;
        _counts = counts;
        HasClientTests = clientTests;
    }

    public string Path { get; }
    public long Clients { get; }
    public DatasetStorage Storage { get; }
    public int FeatureCount { get; }
    public int ClassCount { get; }
    public int[] SampleShape { get; }
    public float[]? Scale { get; }
    public float[]? Shift { get; }

    /// <summary>Whether each client has its own test split (a version-2 file, from <c>flute data import</c>).</summary>
    public bool HasClientTests { get; }

    /// <summary>Writes <paramref name="data"/> (an eager federated data set) to <paramref name="path"/>, atomically.</summary>
    public static void Write(string path, FederatedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.IsLazy) throw new ArgumentException("a lazy data set is generated on demand; there is nothing to store");
        Dataset train = data.Train;
        int valueSize = train.Storage == DatasetStorage.Byte ? 1 : sizeof(float);
        string temp = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            using (var writer = new BinaryWriter(stream))
            {
                writer.Write(Magic);
                writer.Write(Version);
                writer.Write((byte)(train.Storage == DatasetStorage.Byte ? 0 : 1));
                writer.Write((byte)0);
                writer.Write((long)data.Clients.Length);
                writer.Write(train.FeatureCount);
                writer.Write(train.ClassCount);
                writer.Write(train.SampleShape.Length);
                foreach (int d in train.SampleShape) writer.Write(d);
                bool transform = train.Scale is not null || train.Shift is not null;
                writer.Write((byte)(transform ? 1 : 0));
                if (transform)
                {
                    foreach (float v in train.Scale ?? Enumerable.Repeat(1f, train.FeatureCount).ToArray()) writer.Write(v);
                    foreach (float v in train.Shift ?? new float[train.FeatureCount]) writer.Write(v);
                }
                if (!SameEncoding(train, data.Test))
                    throw new ArgumentException("the test set must be stored like the training pool (storage, shape, transform)");

                long indexStart = stream.Position;
                int blocks = data.Clients.Length + 1;
                long offset = indexStart + (long)(blocks + 1) * sizeof(long);
                for (int k = 0; k < blocks; k++)
                {
                    writer.Write(offset);
                    offset += (long)BlockCount(data, k) * (sizeof(int) + train.FeatureCount * valueSize);
                }
                writer.Write(offset);
                for (int k = 0; k < data.Clients.Length; k++) WriteBlock(writer, train, data.Clients[k]);
                WriteBlock(writer, data.Test, [.. Enumerable.Range(0, data.Test.Count)]);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Opens a file written by <see cref="Write"/> (version 1) or <see cref="PartitionedFileBuilder"/> (version 2).</summary>
    /// <exception cref="InvalidDataException">Not such a file, or truncated (the message names it).</exception>
    public static PartitionedFile Open(string path)
    {
        long length = new FileInfo(path).Length;
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            long p = 0;
            Span<byte> magic = stackalloc byte[4];
            Read(view, ref p, magic, length, path);
            if (!magic.SequenceEqual(Magic)) throw Bad(path, "it does not start with FLPF (not a partitioned data file)");
            if (length < 16) throw Bad(path, "it is truncated inside its header");
            ushort version = view.ReadUInt16(p); p += 2;
            if (version is not (Version or VersionWithClientTests)) throw Bad(path, $"format version {version}, this build reads {Version} and {VersionWithClientTests}");
            if (version == VersionWithClientTests)
            {
                p = view.ReadInt64(8);
                if (p < 16 || p >= length) throw Bad(path, $"its footer offset {p} is outside the file ({length} bytes; truncated?)");
            }
            Fields fields = ReadFields(view, ref p, length, path);
            long[] starts, counts;
            int rowSize = sizeof(int) + fields.Features * (fields.Storage == DatasetStorage.Byte ? 1 : sizeof(float));
            if (version == Version)
            {
                var offsets = new long[fields.Clients + 2];
                if (p + offsets.Length * 8L > length) throw Bad(path, "it is truncated inside its index");
                view.ReadArray(p, offsets, 0, offsets.Length);
                if (offsets[^1] != length) throw Bad(path, $"its index ends at byte {offsets[^1]} but the file has {length} bytes (truncated or appended to)");
                starts = offsets[..^1];
                counts = new long[starts.Length];
                for (int k = 0; k < counts.Length; k++) counts[k] = (offsets[k + 1] - offsets[k]) / rowSize;
            }
            else
            {
                long extra = view.ReadInt64(p); p += 8;
                long blocks = 2 * fields.Clients + extra;
                if (extra < 0 || p + blocks * 16 != length) throw Bad(path, $"its footer index does not end the file ({length} bytes; truncated or appended to)");
                starts = new long[blocks];
                counts = new long[blocks];
                for (long k = 0; k < blocks; k++, p += 16)
                {
                    starts[k] = view.ReadInt64(p);
                    counts[k] = view.ReadInt64(p + 8);
                    if (starts[k] < 16 || counts[k] < 0 || starts[k] + counts[k] * rowSize > length) throw Bad(path, $"block {k} lies outside the file");
                }
            }
            return new PartitionedFile(path, map, view, fields.Clients, fields.Storage, fields.Features, fields.Classes, fields.Shape,
                fields.Scale, fields.Shift, starts, counts, version == VersionWithClientTests);
        }
        catch
        {
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    private sealed record Fields(DatasetStorage Storage, long Clients, int Features, int Classes, int[] Shape, float[]? Scale, float[]? Shift);

    /// <summary>The header fields both versions share (FIELDS in the type's summary), from <paramref name="p"/>.</summary>
    private static Fields ReadFields(MemoryMappedViewAccessor view, ref long p, long length, string path)
    {
        if (p + 22 > length) throw Bad(path, "it is truncated inside its header");
        byte storage = view.ReadByte(p); p += 2;
        long clients = view.ReadInt64(p); p += 8;
        int features = view.ReadInt32(p); p += 4;
        int classes = view.ReadInt32(p); p += 4;
        int rank = view.ReadInt32(p); p += 4;
        if (clients < 0 || features <= 0 || classes <= 0 || rank is <= 0 or > 8 || storage > 1) throw Bad(path, "its header is inconsistent");
        if (p + rank * 4L + 1 + 8L * features > length) throw Bad(path, "it is truncated inside its header");
        var shape = new int[rank];
        for (int i = 0; i < rank; i++, p += 4) shape[i] = view.ReadInt32(p);
        bool transform = view.ReadByte(p) == 1; p += 1;
        float[]? scale = null, shift = null;
        if (transform)
        {
            scale = new float[features];
            shift = new float[features];
            view.ReadArray(p, scale, 0, features); p += features * 4L;
            view.ReadArray(p, shift, 0, features); p += features * 4L;
        }
        return new Fields(storage == 0 ? DatasetStorage.Byte : DatasetStorage.Float, clients, features, classes, shape, scale, shift);
    }

    /// <summary>Client <paramref name="client"/>'s sample count (from the index alone).</summary>
    public int SampleCount(long client) => (int)_counts[client];

    /// <summary>Client <paramref name="client"/>'s samples, read from its block only.</summary>
    public Dataset ReadClient(long client)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(client);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(client, Clients);
        return ReadBlock(client, $"client-{client}");
    }

    /// <summary>Client <paramref name="client"/>'s own test split (a version-2 file only; see <see cref="HasClientTests"/>).</summary>
    public Dataset ReadClientTest(long client)
    {
        if (!HasClientTests) throw new InvalidOperationException($"{Path} has no per-client test split (written by 'flute data partition')");
        ArgumentOutOfRangeException.ThrowIfNegative(client);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(client, Clients);
        return ReadBlock(Clients + client, $"client-{client}-test");
    }

    /// <summary>The test set: the block after the clients (version 1), or every test block in order (version 2).</summary>
    public Dataset ReadTest()
    {
        if (!HasClientTests) return ReadBlock(Clients, "test");
        long samples = 0;
        for (long k = Clients; k < _starts.Length; k++) samples += _counts[k];
        int n = checked((int)samples);
        var labels = new int[n];
        long values = (long)n * FeatureCount;
        byte[]? bytes = Storage == DatasetStorage.Byte ? new byte[values] : null;
        float[]? floats = Storage == DatasetStorage.Float ? new float[values] : null;
        int at = 0;
        for (long k = Clients; k < _starts.Length; k++)
        {
            int count = (int)_counts[k];
            ReadBlockInto(k, labels, bytes, floats, at);
            at += count;
        }
        return bytes is not null
            ? new Dataset("test", bytes, labels, SampleShape, ClassCount, Scale, Shift)
            : new Dataset("test", floats!, labels, SampleShape, ClassCount, Scale, Shift);
    }

    /// <summary>A lazy federated data set over this file (it stays open as long as the data set is used).</summary>
    public FederatedData ToFederatedData()
    {
        var data = new FederatedData(Clients, client =>
        {
            Dataset d = ReadClient(client);
            return new ClientShard(d, [.. Enumerable.Range(0, d.Count)]);
        }, ReadTest(), null, SampleCount);
        // A version-2 file (an import) brings each client's own test split: per-client evaluation uses it.
        return HasClientTests
            ? data.WithClientTests(client =>
            {
                Dataset d = ReadClientTest(client);
                return new ClientShard(d, [.. Enumerable.Range(0, d.Count)]);
            })
            : data;
    }

    private Dataset ReadBlock(long block, string name)
    {
        int n = (int)_counts[block];
        var labels = new int[n];
        if (Storage == DatasetStorage.Byte)
        {
            var values = new byte[(long)n * FeatureCount];
            ReadBlockInto(block, labels, values, null, 0);
            return new Dataset(name, values, labels, SampleShape, ClassCount, Scale, Shift);
        }
        var floats = new float[(long)n * FeatureCount];
        ReadBlockInto(block, labels, null, floats, 0);
        return new Dataset(name, floats, labels, SampleShape, ClassCount, Scale, Shift);
    }

    /// <summary>Copies block <paramref name="block"/> into the arrays from sample <paramref name="at"/> on (the values array of the file's storage).</summary>
    private void ReadBlockInto(long block, int[] labels, byte[]? bytes, float[]? floats, int at)
    {
        int n = (int)_counts[block];
        long p = _starts[block];
        _view.ReadArray(p, labels, at, n);
        p += n * 4L;
        int values = checked(n * FeatureCount);
        int offset = checked(at * FeatureCount);
        if (bytes is not null) _view.ReadArray(p, bytes, offset, values);
        else _view.ReadArray(p, floats!, offset, values);
    }

    public void Dispose()
    {
        _view.Dispose();
        _map.Dispose();
    }

    private static int BlockCount(FederatedData data, int block) => block < data.Clients.Length ? data.Clients[block].Length : data.Test.Count;

    private static void WriteBlock(BinaryWriter writer, Dataset source, int[] indices)
    {
        foreach (int i in indices) writer.Write(source.Labels[i]);
        int f = source.FeatureCount;
        foreach (int i in indices)
        {
            if (source.Storage == DatasetStorage.Byte) writer.Write(source.RawBytes.Span.Slice(i * f, f));
            else writer.Write(MemoryMarshal.AsBytes(source.RawFloats.Span.Slice(i * f, f)));
        }
    }

    private static bool SameEncoding(Dataset a, Dataset b) =>
        a.Storage == b.Storage && a.SampleShape.AsSpan().SequenceEqual(b.SampleShape) && a.ClassCount == b.ClassCount
        && (a.Scale ?? []).AsSpan().SequenceEqual(b.Scale ?? []) && (a.Shift ?? []).AsSpan().SequenceEqual(b.Shift ?? []);

    private static void Read(MemoryMappedViewAccessor view, ref long p, Span<byte> into, long length, string path)
    {
        if (p + into.Length > length) throw Bad(path, "it is truncated inside its header");
        for (int i = 0; i < into.Length; i++) into[i] = view.ReadByte(p + i);
        p += into.Length;
    }

    private static InvalidDataException Bad(string path, string why) => new($"partitioned data file {path}: {why}");
}
