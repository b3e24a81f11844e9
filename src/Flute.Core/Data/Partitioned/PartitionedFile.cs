using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace Flute.Core.Data.Partitioned;

/// <summary>
/// A federated data set partitioned once and stored in one file, for populations too large to
/// partition at every start (100,000 MNIST clients by Dirichlet, say). Layout, little-endian:
/// <code>
/// header   "FLPF", u16 version (1), u8 storage (0 byte, 1 float32), u8 0,
///          i64 clients, i32 features, i32 classes, i32 rank, rank × i32 sample shape,
///          u8 has-transform, then (if 1) features × f32 scale and features × f32 shift
/// index    (clients + 2) × i64 offsets from the file start: block k spans [offset k, offset k+1);
///          blocks 0 … clients−1 are the clients, block "clients" is the test set
/// blocks   n × i32 labels, then n × features values (u8 or f32), n = length / (4 + features × size)
/// </code>
/// The file is memory-mapped; a client's shard is read from its own block only (one copy of its
/// bytes), so opening costs the header, the index and the test set, whatever the population. An
/// empty client has an empty block: it is sampled like any other and contributes nothing (see
/// docs/data.md, "Empty clients").
/// </summary>
public sealed class PartitionedFile : IDisposable
{
    private static ReadOnlySpan<byte> Magic => "FLPF"u8;
    private const ushort Version = 1;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long[] _offsets;
    private readonly int _valueSize;

    private PartitionedFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, long clients, DatasetStorage storage,
        int features, int classes, int[] shape, float[]? scale, float[]? shift, long[] offsets)
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
        _offsets = offsets;
        _valueSize = storage == DatasetStorage.Byte ? 1 : sizeof(float);
    }

    public string Path { get; }
    public long Clients { get; }
    public DatasetStorage Storage { get; }
    public int FeatureCount { get; }
    public int ClassCount { get; }
    public int[] SampleShape { get; }
    public float[]? Scale { get; }
    public float[]? Shift { get; }

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

    /// <summary>Opens a file written by <see cref="Write"/>.</summary>
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
            ushort version = view.ReadUInt16(p); p += 2;
            if (version != Version) throw Bad(path, $"format version {version}, this build reads {Version}");
            byte storage = view.ReadByte(p); p += 2;
            long clients = view.ReadInt64(p); p += 8;
            int features = view.ReadInt32(p); p += 4;
            int classes = view.ReadInt32(p); p += 4;
            int rank = view.ReadInt32(p); p += 4;
            if (clients < 0 || features <= 0 || classes <= 0 || rank is <= 0 or > 8 || storage > 1) throw Bad(path, "its header is inconsistent");
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
            var offsets = new long[clients + 2];
            if (p + offsets.Length * 8L > length) throw Bad(path, "it is truncated inside its index");
            view.ReadArray(p, offsets, 0, offsets.Length);
            if (offsets[^1] != length) throw Bad(path, $"its index ends at byte {offsets[^1]} but the file has {length} bytes (truncated or appended to)");
            return new PartitionedFile(path, map, view, clients, storage == 0 ? DatasetStorage.Byte : DatasetStorage.Float,
                features, classes, shape, scale, shift, offsets);
        }
        catch
        {
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    /// <summary>Client <paramref name="client"/>'s sample count (from the index alone).</summary>
    public int SampleCount(long client) => (int)((_offsets[client + 1] - _offsets[client]) / (sizeof(int) + FeatureCount * _valueSize));

    /// <summary>Client <paramref name="client"/>'s samples, read from its block only.</summary>
    public Dataset ReadClient(long client)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(client);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(client, Clients);
        return ReadBlock(client, $"client-{client}");
    }

    /// <summary>The test set stored after the clients.</summary>
    public Dataset ReadTest() => ReadBlock(Clients, "test");

    /// <summary>A lazy federated data set over this file (it stays open as long as the data set is used).</summary>
    public FederatedData ToFederatedData() =>
        new(Clients, client =>
        {
            Dataset d = ReadClient(client);
            return new ClientShard(d, [.. Enumerable.Range(0, d.Count)]);
        }, ReadTest(), null, SampleCount);

    private Dataset ReadBlock(long block, string name)
    {
        int n = SampleCount(block);
        long p = _offsets[block];
        var labels = new int[n];
        _view.ReadArray(p, labels, 0, n);
        p += n * 4L;
        if (Storage == DatasetStorage.Byte)
        {
            var values = new byte[(long)n * FeatureCount];
            _view.ReadArray(p, values, 0, values.Length);
            return new Dataset(name, values, labels, SampleShape, ClassCount, Scale, Shift);
        }
        var floats = new float[(long)n * FeatureCount];
        _view.ReadArray(p, floats, 0, floats.Length);
        return new Dataset(name, floats, labels, SampleShape, ClassCount, Scale, Shift);
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
