using Flute.Core.Data;
using Flute.Core.Data.Text;

namespace Flute.Core.Tests.Data.Text;

public sealed class TextPopulationTests
{
    // Character i of a client's text is index i % 81, so every window says where it came from.
    private static byte[] Counting(int length) => [.. Enumerable.Range(0, length).Select(i => (byte)(i % 81))];

    [Fact]
    public void TheLastTenthOfEachTextTestsAndTheRestTrains()
    {
        var population = new TextPopulation("t", [Counting(100), Counting(25)], 4);

        // 100 characters: cut at 100 − 10 = 90; training windows start at 0 … 85 (label at ≤ 89).
        Assert.Equal(90, population.Cut(0));
        Assert.Equal(86, population.TrainCount(0));
        // Test windows do not overlap: [90, 94) → 94 and [94, 98) → 98; [98, 102) runs past the end.
        Assert.Equal(2, population.TestCount(0));
        // 25 characters: cut at 25 − 2 = 23, so 19 training windows and a tail too short to test.
        Assert.Equal(23, population.Cut(1));
        Assert.Equal(19, population.TrainCount(1));
        Assert.Equal(0, population.TestCount(1));
    }

    [Fact]
    public void TrainingWindowsStartAtEveryOffsetWithTheNextCharacterAsLabel()
    {
        var population = new TextPopulation("t", [Counting(100)], 4);

        ClientShard shard = population.TrainShard(0);

        Assert.Equal(86, shard.Data.Count);
        Assert.Equal(Enumerable.Range(0, 86), shard.Indices);
        Assert.Equal([4], shard.Data.SampleShape);
        Assert.Equal(81, shard.Data.ClassCount);
        Assert.Equal(1, shard.Data.SampleStride);
        var row = new float[4];
        shard.Data.CopySample(0, row);
        Assert.Equal(new float[] { 0, 1, 2, 3 }, row);
        Assert.Equal(4, shard.Data.Labels[0]);
        // Window 85 is characters 85 … 88 (indices 4 … 7 after wrapping at 81), label 89 → 8.
        shard.Data.CopySample(85, row);
        Assert.Equal(new float[] { 4, 5, 6, 7 }, row);
        Assert.Equal(8, shard.Data.Labels[85]);
    }

    [Fact]
    public void TestSetHoldsEveryClientsTestWindowsInClientOrder()
    {
        var population = new TextPopulation("t", [Counting(100), Counting(25), Counting(60)], 4);

        Dataset test = population.TestSet();

        // Client 0: [90, 94) → 94 and [94, 98) → 98 (as indices mod 81: 9…12 → 13, 13…16 → 17).
        // Client 1: none. Client 2: cut 54, [54, 58) → 58 only.
        Assert.Equal(3, test.Count);
        Assert.Equal("t-test", test.Name);
        var rows = new float[12];
        test.CopySamples(0, 3, rows);
        Assert.Equal(new float[] { 9, 10, 11, 12, 13, 14, 15, 16, 54, 55, 56, 57 }, rows);
        Assert.Equal([13, 17, 58], test.Labels);
    }

    [Fact]
    public void AClientShorterThanAWindowHasNoSamples()
    {
        var population = new TextPopulation("t", [Counting(3)], 4);

        Assert.Equal(0, population.TrainCount(0));
        Assert.Equal(0, population.TrainShard(0).Data.Count);
        Assert.Equal(0, population.TestSet().Count);
    }

    [Fact]
    public void MostFrequentLabelIsTheAccuracyOfAlwaysGuessingIt()
    {
        var data = new Dataset("d", new byte[5], [1, 3, 1, 2, 1], [1], 81);

        var (label, share) = TextPopulation.MostFrequentLabel(data);

        Assert.Equal(1, label);
        Assert.Equal(0.6, share, 12);
    }
}
