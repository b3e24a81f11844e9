using System.Runtime.InteropServices;
using Flute.Core.Aggregation;
using Flute.Core.Randomness;
using Xunit.Abstractions;

namespace Flute.Core.Tests.Aggregation;

/// <summary>
/// Simulated secure aggregation in the fixed-point ring: masked sums equal unmasked sums bit for bit,
/// the server's removal of leftover masks after a dropout, and the uniformity of one masked update.
/// </summary>
public sealed class PairwiseMasksTests(ITestOutputHelper output)
{
    private const ulong Seed = 42;
    private const int Round = 7;

    /// <summary>
    /// χ² critical value for 255 degrees of freedom at p = 0.001, by the Wilson–Hilferty cube
    /// approximation: k·(1 − 2/(9k) + z·√(2/(9k)))³ with k = 255 and z = 3.0902 (the normal's
    /// 0.999 quantile): 2/(9·255) = 0.000871, √ = 0.02952, so 255 · (1 − 0.000871 + 0.09123)³ =
    /// 255 · 1.09036³ = 255 · 1.29630 = 330.6. Uniform bytes exceed it once in a thousand seeds.
    /// </summary>
    private const double ChiSquare255At0001 = 330.6;

    private static float[] RandomUpdate(int length, ulong key)
    {
        var random = new DeterministicRandom(key);
        var update = new float[length];
        for (int i = 0; i < length; i++) update[i] = (float)random.NextGaussian() * 0.01f;
        return update;
    }

    private static byte[] Masked(PairwiseMasks masks, float[] update, double weight, long client)
    {
        var bytes = new byte[update.Length * sizeof(long)];
        Assert.Equal(FoldStatus.Folded, masks.TryWriteMasked(update, weight, bytes, client));
        return bytes;
    }

    private static ReadOnlySpan<long> Longs(byte[] bytes) => MemoryMarshal.Cast<byte, long>(bytes);

    [Fact]
    public void MaskedSum_EqualsTheUnmaskedFold_BitForBit_InAnyOrderAndSplit()
    {
        // Arrange: five clients, 1,000 values, sample-count weights; the masks cancel over the whole cohort.
        long[] cohort = [11, 3, 25, 8, 17];
        double[] weights = [120, 7, 64, 300, 33];
        var masks = new PairwiseMasks(Seed, Round, cohort);
        float[][] updates = [.. cohort.Select((c, i) => RandomUpdate(1000, (ulong)c))];
        var plain = new FixedPointAccumulator(1000);
        for (int i = 0; i < cohort.Length; i++) Assert.Equal(FoldStatus.Folded, plain.TryFold(updates[i], weights[i]));

        // Act: two "silos" fold masked updates in another order; the server merges them mod 2^64.
        var siloA = new FixedPointAccumulator(1000);
        var siloB = new FixedPointAccumulator(1000);
        foreach (int i in new[] { 4, 1, 2 }) Assert.Equal(FoldStatus.Folded, siloA.TryFoldMasked(Longs(Masked(masks, updates[i], weights[i], cohort[i])), weights[i]));
        foreach (int i in new[] { 3, 0 }) Assert.Equal(FoldStatus.Folded, siloB.TryFoldMasked(Longs(Masked(masks, updates[i], weights[i], cohort[i])), weights[i]));
        var server = new FixedPointAccumulator(1000);
        server.AddWrapping(siloB);
        server.AddWrapping(siloA);
        int pairs = server.RemoveLeftoverMasks(masks, cohort.ToHashSet());

        // Assert: nothing to remove, and every integer, the weight and the mean are identical.
        Assert.Equal(0, pairs);
        Assert.Equal(plain.Sums.ToArray(), server.Sums.ToArray());
        Assert.Equal(plain.WeightSum, server.WeightSum);
        Assert.Equal(plain.Count, server.Count);
        var expected = new float[1000];
        var actual = new float[1000];
        plain.WeightedMean(expected);
        server.WeightedMean(actual);
        Assert.Equal(MemoryMarshal.AsBytes(expected.AsSpan()).ToArray(), MemoryMarshal.AsBytes(actual.AsSpan()).ToArray());
    }

    [Fact]
    public void Dropout_HandCheckedThreeClients_LeftoverIsM12MinusM23_AndRemovingItGivesTheSurvivorsSum()
    {
        // Arrange: cohort {1, 2, 3}, one value each; client 2 drops out after the masks were agreed.
        // Client 1 sends x1 + m12 + m13, client 3 sends x3 − m13 − m23, so their sum is
        // x1 + x3 + m12 − m23: the pairs (1, 2) and (3, 2) are left over.
        var masks = new PairwiseMasks(Seed, Round, [1, 2, 3]);
        long m12 = (long)new DeterministicRandom(masks.PairKey(1, 2)).NextUInt64();
        long m13 = (long)new DeterministicRandom(masks.PairKey(1, 3)).NextUInt64();
        long m23 = (long)new DeterministicRandom(masks.PairKey(2, 3)).NextUInt64();
        float[] x1 = [0.25f], x3 = [-0.5f];
        // 0.25 · 4 · 2^36 and −0.5 · 2 · 2^36.
        long fixed1 = 1L << 36, fixed3 = -(1L << 36);

        // Act
        byte[] sent1 = Masked(masks, x1, 4, 1);
        byte[] sent3 = Masked(masks, x3, 2, 3);
        var sums = new FixedPointAccumulator(1);
        sums.TryFoldMasked(Longs(sent1), 4);
        sums.TryFoldMasked(Longs(sent3), 2);
        long beforeRemoval = sums.Sums[0];
        int pairs = sums.RemoveLeftoverMasks(masks, new HashSet<long> { 1, 3 });

        // Assert
        Assert.Equal(unchecked(fixed1 + m12 + m13), Longs(sent1)[0]);
        Assert.Equal(unchecked(fixed3 - m13 - m23), Longs(sent3)[0]);
        Assert.Equal(unchecked(fixed1 + fixed3 + m12 - m23), beforeRemoval);
        Assert.Equal(2, pairs);
        Assert.Equal(0L, sums.Sums[0]);
        Assert.Equal(6L << 36, sums.WeightSum);
    }

    [Fact]
    public void Dropouts_OfHalfTheCohort_TheRoundEqualsTheUnmaskedSumOfTheSurvivors()
    {
        // Arrange: six sampled, three send (the others dropped, were late or were rejected).
        long[] cohort = [40, 2, 19, 7, 33, 5];
        long[] survivors = [2, 7, 33];
        var masks = new PairwiseMasks(Seed, Round, cohort);
        var plain = new FixedPointAccumulator(257);
        var masked = new FixedPointAccumulator(257);

        // Act
        foreach (long client in survivors)
        {
            float[] update = RandomUpdate(257, (ulong)client + 100);
            plain.TryFold(update, client);
            masked.TryFoldMasked(Longs(Masked(masks, update, client, client)), client);
        }
        int pairs = masked.RemoveLeftoverMasks(masks, survivors.ToHashSet());

        // Assert: 3 survivors × 3 missing pairs.
        Assert.Equal(9, pairs);
        Assert.Equal(plain.Sums.ToArray(), masked.Sums.ToArray());
        Assert.Equal(plain.WeightSum, masked.WeightSum);
    }

    [Fact]
    public void OneMaskedUpdate_IsUniform_ChiSquareOverByteValuesBelowTheP0001Threshold()
    {
        // Arrange: a constant update (every integer the same), masked among three clients.
        long[] cohort = [0, 1, 2];
        var masks = new PairwiseMasks(Seed, Round, cohort);
        float[] update = Enumerable.Repeat(0.5f, 4096).ToArray();
        var plain = new long[4096];
        Assert.Equal(FoldStatus.Folded, FixedPointAccumulator.TryConvert(update, 10, plain));

        // Act: 32,768 bytes, 128 expected per byte value; and the top byte of each value alone (16 per value).
        byte[] masked = Masked(masks, update, 10, 1);
        double allBytes = ChiSquare(masked);
        double topBytes = ChiSquare([.. Longs(masked).ToArray().Select(v => (byte)((ulong)v >> 56))]);
        double unmasked = ChiSquare(MemoryMarshal.AsBytes(plain.AsSpan()).ToArray());

        output.WriteLine($"χ²(255): masked bytes {allBytes:F1}, masked top bytes {topBytes:F1}, unmasked bytes {unmasked:F0}; threshold {ChiSquare255At0001}");

        // Assert: the masked bytes look uniform; the same statistic rejects the unmasked integers by far.
        Assert.True(allBytes < ChiSquare255At0001, $"χ² over all bytes {allBytes:F1} ≥ {ChiSquare255At0001}");
        Assert.True(topBytes < ChiSquare255At0001, $"χ² over top bytes {topBytes:F1} ≥ {ChiSquare255At0001}");
        Assert.True(unmasked > 100 * ChiSquare255At0001, $"χ² of the unmasked update is only {unmasked:F1}");
    }

    [Fact]
    public void Retry_ReDerivesTheSameMasks_AndPairKeysAreSymmetricAndPerRound()
    {
        // Arrange
        var masks = new PairwiseMasks(Seed, Round, [4, 9, 6]);
        var nextRound = new PairwiseMasks(Seed, Round + 1, [4, 9, 6]);
        float[] update = RandomUpdate(64, 1);

        // Act
        byte[] first = Masked(masks, update, 3, 9);
        byte[] retried = Masked(new PairwiseMasks(Seed, Round, [6, 4, 9]), update, 3, 9);

        // Assert
        Assert.Equal(first, retried);
        Assert.Equal(masks.PairKey(4, 9), masks.PairKey(9, 4));
        Assert.NotEqual(masks.PairKey(4, 9), masks.PairKey(4, 6));
        Assert.NotEqual(masks.PairKey(4, 9), nextRound.PairKey(4, 9));
    }

    [Fact]
    public void TryConvert_GivesTheFoldsIntegers_AndRejectsWhatTheFoldRejects()
    {
        // Arrange
        float[] update = RandomUpdate(100, 9);
        var fold = new FixedPointAccumulator(100);
        fold.TryFold(update, 37.5);
        var converted = new long[100];
        var rejected = new long[2];

        // Act
        FoldStatus ok = FixedPointAccumulator.TryConvert(update, 37.5, converted);
        FoldStatus nan = FixedPointAccumulator.TryConvert([1f, float.NaN], 1, rejected);
        FoldStatus weight = FixedPointAccumulator.TryConvert([1f, 2f], 0, rejected);
        FoldStatus range = FixedPointAccumulator.TryConvert([1f, 3e9f], 1, rejected);

        // Assert
        Assert.Equal(FoldStatus.Folded, ok);
        Assert.Equal(fold.Sums.ToArray(), converted);
        Assert.Equal(FoldStatus.RejectedNonFinite, nan);
        Assert.Equal(FoldStatus.RejectedWeight, weight);
        Assert.Equal(FoldStatus.RejectedOverflow, range);
        Assert.Equal([0L, 0L], rejected);
    }

    [Fact]
    public void Misuse_IsRefused_ClientOutsideTheCohort_DuplicateMember_ForeignSurvivor()
    {
        var masks = new PairwiseMasks(Seed, Round, [1, 2]);
        Assert.Throws<ArgumentException>(() => masks.Mask(new long[4], 3));
        Assert.Throws<ArgumentException>(() => new PairwiseMasks(Seed, Round, [1, 2, 1]));
        Assert.Throws<ArgumentException>(() => masks.RemoveLeftover(new long[4], new HashSet<long> { 1, 5 }));
    }

    /// <summary>Σ (observed − expected)² / expected over the 256 byte values.</summary>
    private static double ChiSquare(byte[] bytes)
    {
        var counts = new int[256];
        foreach (byte b in bytes) counts[b]++;
        double expected = bytes.Length / 256.0;
        return counts.Sum(c => (c - expected) * (c - expected) / expected);
    }
}
