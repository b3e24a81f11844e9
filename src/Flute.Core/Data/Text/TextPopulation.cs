namespace Flute.Core.Data.Text;

/// <summary>
/// Clients that each own one encoded text (<see cref="CharacterVocabulary"/> indices), turned into
/// next-character samples the way LEAF's Shakespeare task does: a sample is a window of
/// <see cref="SequenceLength"/> characters and its label the character after it.
/// <para>
/// Each client's text is cut once: the first <c>L − ⌊L / 10⌋</c> characters train, the rest test,
/// so no test character is ever seen in training. Training windows start at every offset
/// (<c>cut − seq_len</c> of them; each label lies before the cut); they share the text through
/// <see cref="Dataset.Windows"/>, so a client's shard costs its text plus one label per window.
/// Test windows do not overlap (stride <c>seq_len</c>), which keeps the test set about
/// <c>1 / seq_len</c> of the test text and lets it be stored row by row without copying characters twice.
/// </para>
/// </summary>
public sealed class TextPopulation
{
    /// <summary>The share of each client's text (by characters, rounded down) kept for testing.</summary>
    public const int TestDivisor = 10;

    private readonly byte[][] texts;

    /// <summary>Clients' encoded texts, in client order; kept, not copied.</summary>
    public TextPopulation(string name, byte[][] texts, int sequenceLength)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequenceLength);
        if (texts.Length == 0) throw new ArgumentException($"{name}: no clients", nameof(texts));
        Name = name;
        this.texts = texts;
        SequenceLength = sequenceLength;
    }

    /// <summary>Name of the data set; shards are named <c>{Name}-client-{id}</c>.</summary>
    public string Name { get; }

    /// <summary>Characters per window (data.seq_len).</summary>
    public int SequenceLength { get; }

    /// <summary>Number of clients.</summary>
    public int ClientCount => texts.Length;

    /// <summary>Where client <paramref name="client"/>'s text splits: characters before it train, the rest test.</summary>
    public int Cut(int client) => texts[client].Length - texts[client].Length / TestDivisor;

    /// <summary>Client <paramref name="client"/>'s number of training windows (cheap: nothing is built).</summary>
    public int TrainCount(int client) => Math.Max(0, Cut(client) - SequenceLength);

    /// <summary>Client <paramref name="client"/>'s number of test windows.</summary>
    public int TestCount(int client)
    {
        int tail = texts[client].Length - Cut(client) - SequenceLength;
        return tail > 0 ? (tail - 1) / SequenceLength + 1 : 0;
    }

    /// <summary>Client <paramref name="client"/>'s training windows, built on demand over its text.</summary>
    public ClientShard TrainShard(int client)
    {
        byte[] text = texts[client];
        int count = TrainCount(client);
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = text[i + SequenceLength];
        ReadOnlyMemory<byte> trainText = count > 0 ? text.AsMemory(0, Cut(client)) : ReadOnlyMemory<byte>.Empty;
        var data = Dataset.Windows($"{Name}-client-{client}", trainText, labels, SequenceLength, 1, CharacterVocabulary.Size);
        var indices = new int[count];
        for (int i = 0; i < count; i++) indices[i] = i;
        return new ClientShard(data, indices);
    }

    /// <summary>Every client's test windows, client by client, as one data set.</summary>
    public Dataset TestSet()
    {
        long total = 0;
        for (int c = 0; c < texts.Length; c++) total += TestCount(c);
        var features = new byte[checked((int)(total * SequenceLength))];
        var labels = new int[total];
        int row = 0;
        for (int c = 0; c < texts.Length; c++)
        {
            byte[] text = texts[c];
            int cut = Cut(c);
            for (int k = 0, n = TestCount(c); k < n; k++, row++)
            {
                int start = cut + k * SequenceLength;
                text.AsSpan(start, SequenceLength).CopyTo(features.AsSpan(row * SequenceLength));
                labels[row] = text[start + SequenceLength];
            }
        }
        return new Dataset($"{Name}-test", features, labels, [SequenceLength], CharacterVocabulary.Size);
    }

    /// <summary>The most frequent label of <paramref name="data"/> and its share of the samples: the accuracy of always predicting it.</summary>
    public static (int Label, double Share) MostFrequentLabel(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0) return (0, 0);
        var counts = new int[data.ClassCount];
        foreach (int label in data.Labels) counts[label]++;
        int best = 0;
        for (int i = 1; i < counts.Length; i++)
            if (counts[i] > counts[best]) best = i;
        return (best, (double)counts[best] / data.Count);
    }
}
