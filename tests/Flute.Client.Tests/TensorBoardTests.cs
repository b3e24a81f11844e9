using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Flute.Client.Tests;

/// <summary><c>flute run --tensorboard</c>: event files TensorBoard reads, whose scalars are the run's metrics.</summary>
[Collection("processes")]
public sealed class TensorBoardTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("flute-tensorboard-").FullName;

    [Fact]
    public void A_run_writes_every_evaluated_accuracy_and_training_loss_as_scalars_by_round()
    {
        File.WriteAllText(Path.Combine(_directory, "small.yaml"), TestConfigs.SmallMnist("small", rounds: 3, evalEvery: 1));
        var run = FluteProcess.Run(_directory, "run", "small.yaml", "--storage", "none", "--id", "tb", "--tensorboard");
        Assert.True(run.ExitCode == 0, run.StdErr + run.StdOut);

        string events = Assert.Single(Directory.GetFiles(Path.Combine(_directory, "runs", "tb", "tensorboard"), "events.out.tfevents.*"));
        List<(long Step, string Tag, float Value)> scalars = ReadScalars(File.ReadAllBytes(events));
        var rounds = File.ReadAllLines(Path.Combine(_directory, "runs", "tb", "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, rounds.Count);
        foreach (JsonElement round in rounds)
        {
            int step = round.GetProperty("round").GetInt32();
            float accuracy = (float)round.GetProperty("test_accuracy").GetDouble();
            Assert.Contains((step, "test_accuracy", accuracy), scalars);
            if (step > 0) Assert.Contains((step, "train_loss", (float)round.GetProperty("train_loss").GetDouble()), scalars);
        }
        Assert.DoesNotContain(scalars, s => s.Tag == "train_loss" && s.Step == 0);
    }

    /// <summary>
    /// TFRecord framing (length u64, its CRC, the data, its CRC) around tensorflow.Event protos:
    /// field 2 step (varint), field 5 Summary, whose repeated field 1 Value holds tag (1) and simple_value (2, float).
    /// </summary>
    private static List<(long, string, float)> ReadScalars(byte[] file)
    {
        var scalars = new List<(long, string, float)>();
        for (int at = 0; at < file.Length;)
        {
            int length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(at)));
            ReadOnlySpan<byte> evt = file.AsSpan(at + 12, length);
            at += 12 + length + 4;
            long step = 0;
            var values = new List<(string, float)>();
            foreach (var (field, _, data, number) in Fields(evt.ToArray()))
            {
                if (field == 2) step = (long)number;
                if (field != 5) continue;
                foreach (var (f, _, value, _) in Fields(data))
                {
                    if (f != 1) continue;
                    string tag = "";
                    float scalar = float.NaN;
                    foreach (var (vf, wire, bytes, _) in Fields(value))
                    {
                        if (vf == 1) tag = Encoding.UTF8.GetString(bytes);
                        if (vf == 2 && wire == 5) scalar = BinaryPrimitives.ReadSingleLittleEndian(bytes);
                    }
                    values.Add((tag, scalar));
                }
            }
            scalars.AddRange(values.Select(v => (step, v.Item1, v.Item2)));
        }
        return scalars;
    }

    private static List<(int Field, int Wire, byte[] Data, ulong Number)> Fields(byte[] message)
    {
        var fields = new List<(int, int, byte[], ulong)>();
        int i = 0;
        while (i < message.Length)
        {
            ulong key = Varint(message, ref i);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: fields.Add((field, wire, [], Varint(message, ref i))); break;
                case 1: fields.Add((field, wire, message[i..(i + 8)], 0)); i += 8; break;
                case 5: fields.Add((field, wire, message[i..(i + 4)], 0)); i += 4; break;
                case 2:
                    int length = (int)Varint(message, ref i);
                    fields.Add((field, wire, message[i..(i + length)], 0));
                    i += length;
                    break;
                default: throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"wire type {wire}"));
            }
        }
        return fields;
    }

    private static ulong Varint(byte[] data, ref int i)
    {
        ulong result = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[i++];
            result |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return result;
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
