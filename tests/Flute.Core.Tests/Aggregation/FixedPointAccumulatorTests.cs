using System.Runtime.InteropServices;
using Flute.Core.Aggregation;
using Flute.Core.Randomness;

namespace Flute.Core.Tests.Aggregation;

public sealed class FixedPointAccumulatorTests
{
    // 37 values: two 16-wide vector blocks and a 5-value scalar tail, so every code path is exercised.
    private const int Length = 37;
    private const double Unit = 68719476736.0; // 2^36

    [Fact]
    public void WeightedMean_OfWeightsOneAndThree_IsTheExactMean()
    {
        // Arrange: (a + 3b) / 4, all values exactly representable.
        float[] a = Cycle(1f, 2f, -4f, 0.5f);
        float[] b = Cycle(5f, -2f, 4f, 0.25f);
        float[] expected = Cycle(4f, -1f, 2f, 0.3125f);
        var accumulator = new FixedPointAccumulator(Length);

        // Act
        FoldStatus first = accumulator.TryFold(a, 1);
        FoldStatus second = accumulator.TryFold(b, 3);
        var mean = new float[Length];
        accumulator.WeightedMean(mean);

        // Assert
        Assert.Equal(FoldStatus.Folded, first);
        Assert.Equal(FoldStatus.Folded, second);
        Assert.Equal(expected, mean);
        Assert.Equal(2, accumulator.Count);
        Assert.Equal(4.0, accumulator.TotalWeight);
    }

    [Fact]
    public void TryFold_StoresRoundedFixedPointValues()
    {
        // Arrange: 2^-37 is half a unit at F = 36; ties go to even: 0.5 → 0, 1.5 → 2, 2.5 → 2, −1.5 → −2.
        var accumulator = new FixedPointAccumulator(5);
        float halfUnit = MathF.ScaleB(1f, -37);

        // Act
        accumulator.TryFold([1.5f, halfUnit, 3 * halfUnit, 5 * halfUnit, -3 * halfUnit], 1);

        // Assert
        Assert.Equal([(long)(1.5 * Unit), 0L, 2L, 2L, -2L], accumulator.Sums.ToArray());
        Assert.Equal(1L << 36, accumulator.WeightSum);
    }

    [Fact]
    public void TryFold_MatchesAScalarReferenceOnRandomUpdates()
    {
        // Arrange
        const int length = 1_000;
        var random = DeterministicRandom.For(7, StreamPurpose.Noise);
        var expected = new long[length];
        var accumulator = new FixedPointAccumulator(length, fractionBits: 30);

        // Act
        for (int u = 0; u < 10; u++)
        {
            float[] update = RandomUpdate(random, length);
            double weight = 1 + random.NextInt32(500);
            for (int i = 0; i < length; i++)
            {
                expected[i] += (long)Math.Round(update[i] * (weight * (1 << 30)));
            }
            accumulator.TryFold(update, weight);
        }

        // Assert
        Assert.Equal(expected, accumulator.Sums.ToArray());
    }

    [Fact]
    public void Sums_AreBitwiseIdenticalForAnyFoldOrder()
    {
        // Arrange
        const int length = 1_031;
        var random = DeterministicRandom.For(11, StreamPurpose.Noise);
        float[][] updates = Enumerable.Range(0, 24).Select(_ => RandomUpdate(random, length)).ToArray();
        double[] weights = updates.Select(_ => (double)(1 + random.NextInt32(600))).ToArray();
        FixedPointAccumulator reference = FoldAll(updates, weights, Enumerable.Range(0, updates.Length).ToArray());

        for (int trial = 0; trial < 20; trial++)
        {
            int[] order = Enumerable.Range(0, updates.Length).ToArray();
            DeterministicRandom.For(11, StreamPurpose.DataOrder, trial).Shuffle<int>(order);

            // Act
            FixedPointAccumulator permuted = FoldAll(updates, weights, order);

            // Assert
            Assert.True(reference.Sums.SequenceEqual(permuted.Sums), $"trial {trial} differs");
            Assert.Equal(reference.WeightSum, permuted.WeightSum);
        }
    }

    [Fact]
    public void Sums_AreBitwiseIdenticalForAnySplitIntoPartialSums()
    {
        // Arrange
        const int length = 517;
        var random = DeterministicRandom.For(13, StreamPurpose.Noise);
        float[][] updates = Enumerable.Range(0, 30).Select(_ => RandomUpdate(random, length)).ToArray();
        double[] weights = updates.Select(_ => random.NextDouble() * 100 + 0.5).ToArray();
        FixedPointAccumulator reference = FoldAll(updates, weights, Enumerable.Range(0, updates.Length).ToArray());

        for (int trial = 0; trial < 10; trial++)
        {
            var split = DeterministicRandom.For(13, StreamPurpose.Partition, trial);
            var silos = Enumerable.Range(0, 3).Select(_ => new FixedPointAccumulator(length)).ToArray();
            int[] order = Enumerable.Range(0, updates.Length).ToArray();
            split.Shuffle<int>(order);

            // Act
            foreach (int u in order)
            {
                silos[split.NextInt32(silos.Length)].TryFold(updates[u], weights[u]);
            }
            var merged = new FixedPointAccumulator(length);
            foreach (int s in new[] { 2, 0, 1 })
            {
                merged.Add(silos[s]);
            }

            // Assert
            Assert.True(reference.Sums.SequenceEqual(merged.Sums), $"trial {trial} differs");
            Assert.Equal(reference.WeightSum, merged.WeightSum);
            Assert.Equal(updates.Length, merged.Count);
        }
    }

    [Theory]
    [InlineData(0, float.NaN)]
    [InlineData(17, float.PositiveInfinity)]
    [InlineData(36, float.NegativeInfinity)]
    public void TryFold_RejectsNonFiniteValuesAndLeavesStateUnchanged(int index, float bad)
    {
        // Arrange
        FixedPointAccumulator accumulator = WithOneUpdate(out long[] sums, out long weightSum);
        float[] update = Cycle(1f, -2f, 3f);
        update[index] = bad;

        // Act
        FoldStatus status = accumulator.TryFold(update, 2);

        // Assert
        Assert.Equal(FoldStatus.RejectedNonFinite, status);
        AssertUnchanged(accumulator, sums, weightSum, count: 1);
    }

    [Fact]
    public void TryFold_RejectsUpdatesBeyondTheNormBound()
    {
        // Arrange: ‖(3, 4, 0, …)‖ = 5.
        FixedPointAccumulator accumulator = WithOneUpdate(out long[] sums, out long weightSum);
        var update = new float[Length];
        update[0] = 3;
        update[Length - 1] = 4;

        // Act
        FoldStatus beyond = accumulator.TryFold(update, 1, maxNorm: 4.99);
        long[] afterRejection = accumulator.Sums.ToArray();
        FoldStatus atBound = accumulator.TryFold(update, 1, maxNorm: 5);

        // Assert
        Assert.Equal(FoldStatus.RejectedNorm, beyond);
        Assert.Equal(sums, afterRejection);
        Assert.Equal(FoldStatus.Folded, atBound);
        Assert.Equal(sums[0] + (3L << 36), accumulator.Sums[0]);
        Assert.Equal(weightSum + (1L << 36), accumulator.WeightSum);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    [InlineData(36)]
    public void TryFold_RejectsAScaledValueBeyondTheLongRange(int index)
    {
        // Arrange: 2^27 · 2^36 = 2^63 does not fit a long.
        FixedPointAccumulator accumulator = WithOneUpdate(out long[] sums, out long weightSum);
        float[] update = Cycle(1f);
        update[index] = -134217728f;

        // Act
        FoldStatus status = accumulator.TryFold(update, 1);

        // Assert
        Assert.Equal(FoldStatus.RejectedOverflow, status);
        AssertUnchanged(accumulator, sums, weightSum, count: 1);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(36)]
    public void TryFold_RejectsASumOverflowAndRollsBackEveryValue(int index)
    {
        // Arrange: 2^26 · 2^36 = 2^62 fits once; twice makes 2^63, which wraps negative.
        var accumulator = new FixedPointAccumulator(Length);
        float[] update = Cycle(0.25f, -0.5f);
        update[index] = 67108864f;
        accumulator.TryFold(update, 1);
        long[] sums = accumulator.Sums.ToArray();

        // Act
        FoldStatus status = accumulator.TryFold(update, 1);

        // Assert
        Assert.Equal(FoldStatus.RejectedOverflow, status);
        AssertUnchanged(accumulator, sums, 1L << 36, count: 1);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(1e-30)]
    public void TryFold_RejectsInvalidWeights(double weight)
    {
        // Arrange
        FixedPointAccumulator accumulator = WithOneUpdate(out long[] sums, out long weightSum);

        // Act
        FoldStatus status = accumulator.TryFold(Cycle(1f), weight);

        // Assert
        Assert.Equal(FoldStatus.RejectedWeight, status);
        AssertUnchanged(accumulator, sums, weightSum, count: 1);
    }

    [Fact]
    public void TryFold_RejectsATotalWeightOverflow()
    {
        // Arrange: a weight of 2^26 is 2^62 units; two of them overflow the total weight.
        var accumulator = new FixedPointAccumulator(Length);
        float[] update = Cycle(1e-9f);
        accumulator.TryFold(update, 67108864);
        long[] sums = accumulator.Sums.ToArray();

        // Act
        FoldStatus tooHeavy = accumulator.TryFold(update, 134217728);
        FoldStatus totalOverflow = accumulator.TryFold(update, 67108864);

        // Assert
        Assert.Equal(FoldStatus.RejectedOverflow, tooHeavy);
        Assert.Equal(FoldStatus.RejectedOverflow, totalOverflow);
        AssertUnchanged(accumulator, sums, 1L << 62, count: 1);
    }

    [Fact]
    public void TryFold_FromBytesEqualsTryFoldFromFloats()
    {
        // Arrange
        float[] update = RandomUpdate(DeterministicRandom.For(3, StreamPurpose.Noise), Length);
        byte[] bytes = MemoryMarshal.AsBytes(update.AsSpan()).ToArray();
        var fromFloats = new FixedPointAccumulator(Length);
        var fromBytes = new FixedPointAccumulator(Length);

        // Act
        fromFloats.TryFold(update, 5);
        FoldStatus status = fromBytes.TryFold(bytes.AsSpan(), 5);

        // Assert
        Assert.Equal(FoldStatus.Folded, status);
        Assert.Equal(fromFloats.Sums.ToArray(), fromBytes.Sums.ToArray());
    }

    [Fact]
    public void FromState_RoundTripsAndKeepsFolding()
    {
        // Arrange
        var random = DeterministicRandom.For(5, StreamPurpose.Noise);
        float[] first = RandomUpdate(random, Length), second = RandomUpdate(random, Length);
        var original = new FixedPointAccumulator(Length, fractionBits: 40);
        original.TryFold(first, 2);

        // Act
        var restored = FixedPointAccumulator.FromState(original.Sums, original.WeightSum, original.Count, original.FractionBits);
        original.TryFold(second, 7);
        restored.TryFold(second, 7);

        // Assert
        Assert.Equal(original.Sums.ToArray(), restored.Sums.ToArray());
        Assert.Equal(original.WeightSum, restored.WeightSum);
        Assert.Equal(2, restored.Count);
        Assert.Equal(40, restored.FractionBits);
    }

    [Fact]
    public void Add_ThatWouldOverflowThrowsAndLeavesStateUnchanged()
    {
        // Arrange
        var target = new FixedPointAccumulator(Length);
        float[] update = Cycle(0.5f);
        update[30] = 67108864f;
        target.TryFold(update, 1);
        long[] sums = target.Sums.ToArray();
        var other = new FixedPointAccumulator(Length);
        other.TryFold(update, 1);

        // Act
        void Merge() => target.Add(other);

        // Assert
        Assert.Throws<OverflowException>(Merge);
        AssertUnchanged(target, sums, 1L << 36, count: 1);
    }

    [Fact]
    public void Add_RejectsADifferentShape()
    {
        // Arrange
        var target = new FixedPointAccumulator(Length);

        // Act and assert
        Assert.Throws<ArgumentException>(() => target.Add(new FixedPointAccumulator(Length + 1)));
        Assert.Throws<ArgumentException>(() => target.Add(new FixedPointAccumulator(Length, fractionBits: 30)));
    }

    [Fact]
    public void Reset_EmptiesTheAccumulator()
    {
        // Arrange
        FixedPointAccumulator accumulator = WithOneUpdate(out _, out _);

        // Act
        accumulator.Reset();

        // Assert
        Assert.All(accumulator.Sums.ToArray(), s => Assert.Equal(0L, s));
        Assert.Equal(0L, accumulator.WeightSum);
        Assert.Equal(0, accumulator.Count);
        Assert.Throws<InvalidOperationException>(() => accumulator.WeightedMean(new float[Length]));
    }

    [Fact]
    public void TryFold_RejectsAWrongLength()
    {
        // Arrange
        var accumulator = new FixedPointAccumulator(Length);

        // Act and assert
        Assert.Throws<ArgumentException>(() => accumulator.TryFold(new float[Length - 1], 1));
        Assert.Throws<ArgumentException>(() => accumulator.TryFold(new byte[Length * 4 - 1].AsSpan(), 1));
    }

    private static FixedPointAccumulator FoldAll(float[][] updates, double[] weights, int[] order)
    {
        var accumulator = new FixedPointAccumulator(updates[0].Length);
        foreach (int u in order)
        {
            Assert.Equal(FoldStatus.Folded, accumulator.TryFold(updates[u], weights[u]));
        }
        return accumulator;
    }

    private static FixedPointAccumulator WithOneUpdate(out long[] sums, out long weightSum)
    {
        var accumulator = new FixedPointAccumulator(Length);
        Assert.Equal(FoldStatus.Folded, accumulator.TryFold(Cycle(0.125f, -3f, 7.5f), 4));
        sums = accumulator.Sums.ToArray();
        weightSum = accumulator.WeightSum;
        return accumulator;
    }

    private static void AssertUnchanged(FixedPointAccumulator accumulator, long[] sums, long weightSum, int count)
    {
        Assert.Equal(sums, accumulator.Sums.ToArray());
        Assert.Equal(weightSum, accumulator.WeightSum);
        Assert.Equal(count, accumulator.Count);
    }

    private static float[] Cycle(params float[] pattern) =>
        Enumerable.Range(0, Length).Select(i => pattern[i % pattern.Length]).ToArray();

    private static float[] RandomUpdate(DeterministicRandom random, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)random.NextGaussian(0, 0.1)).ToArray();
}
