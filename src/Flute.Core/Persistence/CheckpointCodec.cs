using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using MessagePack;

namespace Flute.Core.Persistence;

/// <summary>
/// Byte encodings of checkpoint values. Floats are raw IEEE-754 little-endian bits, so every value
/// (negative zero, NaN payloads, subnormals) round-trips exactly. The record is a hand-written MessagePack
/// array (no attribute-driven code generation at run time, and the layout is visible here):
/// [format version, experiment id, round completed, model version, status name, config JSON, config
/// SHA-256, build version, metrics key, weights key, optimizer-state key, strategy-state key or nil,
/// created-at UTC ticks].
/// </summary>
public static class CheckpointCodec
{
    /// <summary>The record format written; a reader refuses any other.</summary>
    public const int RecordFormatVersion = 1;

    private const int RecordFields = 13;

    /// <summary>The bytes of <paramref name="values"/>: 4 little-endian bytes each, no header.</summary>
    public static byte[] EncodeFloats(ReadOnlySpan<float> values)
    {
        var bytes = new byte[checked(values.Length * sizeof(float))];
        WriteFloats(values, bytes);
        return bytes;
    }

    /// <summary>The floats of bytes written by <see cref="EncodeFloats"/>.</summary>
    /// <exception cref="FormatException">The length is not a multiple of 4.</exception>
    public static float[] DecodeFloats(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % sizeof(float) != 0)
        {
            throw new FormatException($"{bytes.Length} bytes are not a whole number of float32 values.");
        }
        var values = new float[bytes.Length / sizeof(float)];
        ReadFloats(bytes, values);
        return values;
    }

    /// <summary>
    /// The bytes of a list of float arrays (e.g. <c>IServerOptimizer.ExportState()</c>): int32 LE count,
    /// then each array's int32 LE length, then the arrays' floats back to back.
    /// </summary>
    public static byte[] EncodeFloatArrays(IReadOnlyList<float[]> arrays)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        long size = sizeof(int) * (1L + arrays.Count);
        foreach (float[] array in arrays)
        {
            ArgumentNullException.ThrowIfNull(array, nameof(arrays));
            size += (long)array.Length * sizeof(float);
        }
        if (size > Array.MaxLength)
        {
            throw new ArgumentException("The arrays exceed the largest byte array.", nameof(arrays));
        }
        var bytes = new byte[size];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, arrays.Count);
        int offset = sizeof(int);
        foreach (float[] array in arrays)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(offset), array.Length);
            offset += sizeof(int);
        }
        foreach (float[] array in arrays)
        {
            WriteFloats(array, bytes.AsSpan(offset));
            offset += array.Length * sizeof(float);
        }
        return bytes;
    }

    /// <summary>The arrays of bytes written by <see cref="EncodeFloatArrays"/>.</summary>
    /// <exception cref="FormatException">The counts and lengths do not match the byte count exactly.</exception>
    public static IReadOnlyList<float[]> DecodeFloatArrays(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < sizeof(int))
        {
            throw new FormatException($"{bytes.Length} bytes cannot hold the array count.");
        }
        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        if (count < 0 || (long)sizeof(int) * (1L + count) > bytes.Length)
        {
            throw new FormatException($"An array count of {count} does not fit in {bytes.Length} bytes.");
        }
        var lengths = new int[count];
        long expected = sizeof(int) * (1L + count);
        for (int i = 0; i < count; i++)
        {
            lengths[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(sizeof(int) * (1 + i))..]);
            if (lengths[i] < 0)
            {
                throw new FormatException($"Array {i} has a negative length ({lengths[i]}).");
            }
            expected += (long)lengths[i] * sizeof(float);
        }
        if (expected != bytes.Length)
        {
            throw new FormatException($"The array lengths need {expected} bytes; {bytes.Length} were given.");
        }
        var arrays = new float[count][];
        int offset = sizeof(int) * (1 + count);
        for (int i = 0; i < count; i++)
        {
            arrays[i] = new float[lengths[i]];
            ReadFloats(bytes.Slice(offset, lengths[i] * sizeof(float)), arrays[i]);
            offset += lengths[i] * sizeof(float);
        }
        return arrays;
    }

    /// <summary>Lowercase hex SHA-256 of the UTF-8 bytes of <paramref name="configJson"/>.</summary>
    public static string ConfigHash(string configJson)
    {
        ArgumentNullException.ThrowIfNull(configJson);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(configJson)));
    }

    /// <summary>The MessagePack bytes of a record (see the type's summary for the layout).</summary>
    public static byte[] EncodeRecord(ExperimentCheckpoint record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.CreatedAtUtc.Kind != DateTimeKind.Utc)
        {
            throw new ArgumentException($"CreatedAtUtc must be a UTC time; it is {record.CreatedAtUtc.Kind}.", nameof(record));
        }
        var buffer = new ArrayBufferWriter<byte>(256 + record.ConfigJson.Length);
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(RecordFields);
        writer.Write(record.FormatVersion);
        writer.Write(record.ExperimentId);
        writer.Write(record.RoundCompleted);
        writer.Write(record.ModelVersion);
        writer.Write(StatusName(record.Status));
        writer.Write(record.ConfigJson);
        writer.Write(record.ConfigSha256);
        writer.Write(record.BuildVersion);
        writer.Write(record.MetricsKey);
        writer.Write(record.WeightsKey);
        writer.Write(record.OptimizerStateKey);
        if (record.StrategyStateKey is null)
        {
            writer.WriteNil();
        }
        else
        {
            writer.Write(record.StrategyStateKey);
        }
        writer.Write(record.CreatedAtUtc.Ticks);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The record of bytes written by <see cref="EncodeRecord"/>.</summary>
    /// <exception cref="FormatException">Not a record, or a format version other than <see cref="RecordFormatVersion"/>.</exception>
    public static ExperimentCheckpoint DecodeRecord(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            var reader = new MessagePackReader(bytes);
            int fields = reader.ReadArrayHeader();
            if (fields != RecordFields)
            {
                throw new FormatException($"A checkpoint record has {RecordFields} fields; this one has {fields}.");
            }
            int version = reader.ReadInt32();
            if (version != RecordFormatVersion)
            {
                throw new FormatException($"Checkpoint record format {version} is not supported (expected {RecordFormatVersion}).");
            }
            string experimentId = ReadString(ref reader, "experiment id");
            int round = reader.ReadInt32();
            long modelVersion = reader.ReadInt64();
            CheckpointStatus status = ParseStatus(ReadString(ref reader, "status"));
            string configJson = ReadString(ref reader, "config");
            string configSha256 = ReadString(ref reader, "config hash");
            string build = ReadString(ref reader, "build version");
            string metricsKey = ReadString(ref reader, "metrics key");
            string weightsKey = ReadString(ref reader, "weights key");
            string optimizerKey = ReadString(ref reader, "optimizer-state key");
            string? strategyKey = reader.TryReadNil() ? null : ReadString(ref reader, "strategy-state key");
            long ticks = reader.ReadInt64();
            if (!reader.End)
            {
                throw new FormatException($"{bytes.Length - reader.Consumed} bytes follow the checkpoint record.");
            }
            if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
            {
                throw new FormatException($"{ticks} ticks is not a time.");
            }
            return new ExperimentCheckpoint(version, experimentId, round, modelVersion, status, configJson, configSha256, build,
                metricsKey, weightsKey, optimizerKey, strategyKey, new DateTime(ticks, DateTimeKind.Utc));
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException)
        {
            throw new FormatException($"Malformed checkpoint record: {e.Message}", e);
        }
    }

    /// <summary>The stored name of a status ("running", "paused", "finished", "failed").</summary>
    public static string StatusName(CheckpointStatus status) => status switch
    {
        CheckpointStatus.Running => "running",
        CheckpointStatus.Paused => "paused",
        CheckpointStatus.Finished => "finished",
        CheckpointStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not a checkpoint status."),
    };

    private static CheckpointStatus ParseStatus(string name) => name switch
    {
        "running" => CheckpointStatus.Running,
        "paused" => CheckpointStatus.Paused,
        "finished" => CheckpointStatus.Finished,
        "failed" => CheckpointStatus.Failed,
        _ => throw new FormatException($"'{name}' is not a checkpoint status."),
    };

    private static string ReadString(ref MessagePackReader reader, string field) =>
        reader.ReadString() ?? throw new FormatException($"The checkpoint record's {field} is nil.");

    private static void WriteFloats(ReadOnlySpan<float> values, Span<byte> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(destination);
            return;
        }
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(destination[(i * sizeof(float))..], BitConverter.SingleToInt32Bits(values[i]));
        }
    }

    private static void ReadFloats(ReadOnlySpan<byte> source, Span<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            source.CopyTo(MemoryMarshal.AsBytes(values));
            return;
        }
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadInt32LittleEndian(source[(i * sizeof(float))..]));
        }
    }
}
