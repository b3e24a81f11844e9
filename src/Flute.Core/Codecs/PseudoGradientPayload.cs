using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using MessagePack;

namespace Flute.Core.Codecs;

/// <summary>
/// The wire format of a pseudo-gradient (DESIGN.md, "Payloads"): a MessagePack array of
/// [format version, experiment, round, model version, client, sample count, loss, codec, data], where
/// data is ONE bin32 field holding the codec's bytes. Integers are written at fixed width (int64/int32
/// blocks) and the data header is always bin32, so a payload's size depends only on the data length and
/// the UTF-8 lengths of the experiment id and codec name: buffers can be pooled by exact size.
/// </summary>
public static class PseudoGradientPayload
{
    /// <summary>The format version written first; bumped on any incompatible layout change.</summary>
    public const int FormatVersion = 1;

    private const int FieldCount = 9;
    private const byte Bin32Code = 0xC6;

    // fixarray(9) + fixint version + 3 × int64 block + int32 block + float64 + bin32 header.
    private const int FixedBytes = 1 + 1 + 3 * 9 + 5 + 9 + 5;

    [ThreadStatic]
    private static FixedArrayWriter? t_writer;

    /// <summary>The exact byte count of a payload with this header and <paramref name="dataBytes"/> of data.</summary>
    public static int SizeOf(in PayloadHeader header, int dataBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(dataBytes);
        long size = (long)FixedBytes + StringSize(header.Experiment, nameof(header.Experiment))
            + StringSize(header.Codec, nameof(header.Codec)) + dataBytes;
        if (size > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(dataBytes), dataBytes, "The payload would exceed the largest byte array.");
        }
        return (int)size;
    }

    /// <summary>
    /// Writes the header and the bin32 marker into <paramref name="destination"/>, whose length must be
    /// exactly <see cref="SizeOf"/>, and returns the data region (the last <paramref name="dataBytes"/>
    /// bytes) for the caller's codec to fill in place.
    /// </summary>
    public static Memory<byte> Write(byte[] destination, in PayloadHeader header, int dataBytes)
    {
        ArgumentNullException.ThrowIfNull(destination);
        int size = SizeOf(header, dataBytes);
        if (destination.Length != size)
        {
            throw new ArgumentException($"The destination has {destination.Length} bytes; this payload needs exactly {size}.", nameof(destination));
        }

        int headerBytes = size - dataBytes;
        FixedArrayWriter buffer = t_writer ??= new FixedArrayWriter();
        buffer.Reset(destination);
        try
        {
            var writer = new MessagePackWriter(buffer);
            writer.WriteArrayHeader(FieldCount);
            writer.Write(FormatVersion);
            WriteUtf8(ref writer, header.Experiment);
            writer.WriteInt64(header.Round);
            writer.WriteInt64(header.ModelVersion);
            writer.WriteInt64(header.Client);
            writer.WriteInt32(header.SampleCount);
            writer.Write(header.Loss);
            WriteUtf8(ref writer, header.Codec);

            // WriteBinHeader would pick bin8/bin16 for small data; bin32 keeps the size formula fixed.
            Span<byte> binHeader = writer.GetSpan(5);
            binHeader[0] = Bin32Code;
            BinaryPrimitives.WriteUInt32BigEndian(binHeader[1..], (uint)dataBytes);
            writer.Advance(5);
            writer.Flush();
        }
        finally
        {
            buffer.Release();
        }
        if (buffer.Written != headerBytes)
        {
            throw new InvalidOperationException($"Wrote a {buffer.Written}-byte header where {headerBytes} bytes were computed.");
        }
        return destination.AsMemory(headerBytes, dataBytes);
    }

    /// <summary>
    /// Reads a payload's header and returns its data as a view into <paramref name="payload"/> (no copy).
    /// </summary>
    /// <exception cref="FormatException">The payload is not a well-formed pseudo-gradient payload.</exception>
    public static PayloadHeader Read(ReadOnlyMemory<byte> payload, out ReadOnlyMemory<byte> data)
    {
        try
        {
            var reader = new MessagePackReader(payload);
            int fields = reader.ReadArrayHeader();
            if (fields != FieldCount)
            {
                throw Malformed($"expected an array of {FieldCount} fields, found {fields}");
            }
            int version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw Malformed($"format version {version} is not supported (expected {FormatVersion})");
            }
            string experiment = reader.ReadString() ?? throw Malformed("the experiment id is nil");
            long round = reader.ReadInt64();
            long modelVersion = reader.ReadInt64();
            long client = reader.ReadInt64();
            int sampleCount = reader.ReadInt32();
            double loss = reader.ReadDouble();
            string codec = reader.ReadString() ?? throw Malformed("the codec name is nil");
            ReadOnlySequence<byte> bytes = reader.ReadBytes() ?? throw Malformed("the data field is nil");
            if (!reader.End)
            {
                throw Malformed($"{payload.Length - reader.Consumed} bytes follow the data field");
            }
            int length = checked((int)bytes.Length);
            data = payload.Slice((int)reader.Consumed - length, length);
            return new PayloadHeader(experiment, round, modelVersion, client, sampleCount, loss, codec);
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException)
        {
            throw Malformed(e.Message, e);
        }
    }

    // MessagePackWriter.Write(string) asks for a worst-case span (3 bytes per char), which an exact-size
    // buffer may not have; writing the known byte count keeps within the computed header.
    private static void WriteUtf8(ref MessagePackWriter writer, string value)
    {
        int bytes = Encoding.UTF8.GetByteCount(value);
        writer.WriteStringHeader(bytes);
        Encoding.UTF8.GetBytes(value, writer.GetSpan(bytes));
        writer.Advance(bytes);
    }

    private static FormatException Malformed(string reason, Exception? inner = null) =>
        new($"Malformed pseudo-gradient payload: {reason}.", inner);

    private static int StringSize(string value, string name)
    {
        if (value is null)
        {
            throw new ArgumentNullException(name);
        }
        int bytes = Encoding.UTF8.GetByteCount(value);
        int header = bytes switch
        {
            < 32 => 1,
            <= byte.MaxValue => 2,
            <= ushort.MaxValue => 3,
            _ => 5,
        };
        return header + bytes;
    }

    /// <summary>An <see cref="IBufferWriter{T}"/> over a caller's array that never grows.</summary>
    private sealed class FixedArrayWriter : IBufferWriter<byte>
    {
        private byte[] _array = [];

        public int Written { get; private set; }

        public void Reset(byte[] array)
        {
            _array = array;
            Written = 0;
        }

        public void Release() => _array = [];

        public void Advance(int count)
        {
            if ((uint)count > (uint)(_array.Length - Written))
            {
                throw new InvalidOperationException("The payload header outgrew its buffer.");
            }
            Written += count;
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => _array.AsMemory(Written, Available(sizeHint));

        public Span<byte> GetSpan(int sizeHint = 0) => _array.AsSpan(Written, Available(sizeHint));

        private int Available(int sizeHint)
        {
            int available = _array.Length - Written;
            if (sizeHint > available)
            {
                throw new InvalidOperationException("The payload header outgrew its buffer.");
            }
            return available;
        }
    }
}
