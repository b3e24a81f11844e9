using System.Numerics;
using Flute.Core.Randomness;

namespace Flute.Core.Tests.Randomness;

/// <summary>
/// Independence and uniformity of the derived streams. Every input is fixed, so each statistic is
/// one deterministic number: a test passes or fails the same way on every run. The thresholds are
/// the 0.999 quantiles of the chi-square distribution with the stated degrees of freedom (standard
/// tables), or a stated number of standard deviations, so a sound generator passes with a wide margin
/// while a biased one (a stuck bit, a modulo bias, a correlated key) fails.
/// </summary>
public sealed class DeterministicRandomStreamTests
{
    private static readonly StreamPurpose[] Purposes = Enum.GetValues<StreamPurpose>();

    [Fact]
    public void No_two_of_a_million_keys_collide()
    {
        // Arrange: 5 seeds x every purpose (20 now) x 51 rounds x 201 clients = 1,025,100 keys, each with
        // "not applicable" (-1) among the rounds and clients.
        ulong[] seeds = [0, 1, 2, 42, ulong.MaxValue];
        var keys = new HashSet<ulong>();
        var firstDraws = new HashSet<ulong>();
        int count = 0;

        // Act
        foreach (ulong seed in seeds)
            foreach (StreamPurpose purpose in Purposes)
                for (long round = -1; round < 50; round++)
                    for (long client = -1; client < 200; client++)
                    {
                        ulong key = DeterministicRandom.DeriveKey(seed, purpose, round, client);
                        keys.Add(key);
                        firstDraws.Add(new DeterministicRandom(key).NextUInt64());
                        count++;
                    }

        // Assert: that many random 64-bit values collide with probability about n^2 / 2^65 ≈ 2.8e-8.
        Assert.Equal(5 * Purposes.Length * 51 * 201, count);
        Assert.Equal(count, keys.Count);
        Assert.Equal(count, firstDraws.Count);
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("purpose")]
    [InlineData("round")]
    [InlineData("client")]
    public void Changing_one_input_by_one_flips_half_the_key_bits(string input)
    {
        // Arrange
        const int pairs = 10_000;
        long flipped = 0;

        // Act
        for (int i = 0; i < pairs; i++)
        {
            ulong seed = (ulong)i * 7919, round = (ulong)(i % 97), client = (ulong)i;
            ulong purpose = (ulong)Purposes[i % (Purposes.Length - 1)];
            ulong a = Key(seed, purpose, round, client);
            ulong b = input switch
            {
                "seed" => Key(seed + 1, purpose, round, client),
                "purpose" => Key(seed, purpose + 1, round, client),
                "round" => Key(seed, purpose, round + 1, client),
                _ => Key(seed, purpose, round, client + 1),
            };
            flipped += BitOperations.PopCount(a ^ b);
        }

        // Assert: each of 64 bits flips with probability 1/2, so the mean distance is 32 with a standard
        // deviation of sqrt(64 / 4) / sqrt(10,000) = 4 / 100 = 0.04; the band 31.5..32.5 is 12.5 of them.
        Assert.InRange((double)flipped / pairs, 31.5, 32.5);
    }

    [Fact]
    public void One_streams_doubles_are_uniform_over_100_buckets()
    {
        // Arrange
        var stream = DeterministicRandom.For(11, StreamPurpose.DataOrder, 4, 5);
        long[] counts = new long[100];

        // Act
        for (int i = 0; i < 100_000; i++) counts[(int)(stream.NextDouble() * 100)]++;

        // Assert: 99 degrees of freedom, 0.999 quantile 148.23 (expected 1,000 per bucket).
        Assert.True(ChiSquare(counts) < 148.23, $"chi-square {ChiSquare(counts):0.00}");
    }

    [Fact]
    public void The_first_draws_of_100000_client_streams_are_uniform_and_uncorrelated_with_their_neighbours()
    {
        // Arrange: most client streams are used for a handful of draws, so the first one matters most.
        const int clients = 100_000;
        double[] first = new double[clients];
        long[] counts = new long[100];

        // Act
        for (int c = 0; c < clients; c++)
        {
            first[c] = DeterministicRandom.For(2026, StreamPurpose.Dropout, round: 17, client: c).NextDouble();
            counts[(int)(first[c] * 100)]++;
        }
        double r = Pearson(first.AsSpan(0, clients - 1), first.AsSpan(1));

        // Assert: chi-square as above (99 degrees of freedom, 0.999 quantile 148.23); the correlation of
        // independent pairs has a standard deviation of 1 / sqrt(99,999) = 0.0032, so |r| < 0.02 is over 6 of them.
        Assert.True(ChiSquare(counts) < 148.23, $"chi-square {ChiSquare(counts):0.00}");
        Assert.InRange(r, -0.02, 0.02);
    }

    [Fact]
    public void Bounded_integers_are_uniform_for_a_bound_that_is_not_a_power_of_two()
    {
        // Arrange
        var stream = DeterministicRandom.For(5, StreamPurpose.Cohort, 1);
        long[] counts = new long[7];

        // Act
        for (int i = 0; i < 70_000; i++) counts[stream.NextInt32(7)]++;

        // Assert: 6 degrees of freedom, 0.999 quantile 22.46 (expected 10,000 per value).
        Assert.True(ChiSquare(counts) < 22.46, $"chi-square {ChiSquare(counts):0.00}");
    }

    [Fact]
    public void NextDouble_stays_in_the_unit_interval_on_a_53_bit_grid_and_covers_it()
    {
        // Arrange
        var stream = DeterministicRandom.For(1, StreamPurpose.Noise);
        double min = double.MaxValue, max = double.MinValue;
        double twoTo53 = Math.Pow(2, 53);

        // Act and assert
        for (int i = 0; i < 1_000_000; i++)
        {
            double d = stream.NextDouble();
            Assert.InRange(d, 0.0, Math.BitDecrement(1.0));
            Assert.Equal(Math.Floor(d * twoTo53), d * twoTo53);
            min = Math.Min(min, d);
            max = Math.Max(max, d);
        }
        // The extremes of 10^6 uniform draws lie within about 10^-6 of the ends.
        Assert.InRange(min, 0.0, 1e-4);
        Assert.InRange(max, 1 - 1e-4, 1.0);
    }

    [Fact]
    public void Streams_share_no_state()
    {
        // Arrange: draw from two streams interleaved, and from fresh copies one after the other.
        var a = DeterministicRandom.For(9, StreamPurpose.Torch, 2, 3);
        var b = DeterministicRandom.For(9, StreamPurpose.Torch, 2, 4);
        var interleaved = new List<(ulong, ulong)>();

        // Act
        for (int i = 0; i < 100; i++) interleaved.Add((a.NextUInt64(), b.NextUInt64()));
        var aAlone = DeterministicRandom.For(9, StreamPurpose.Torch, 2, 3);
        ulong[] aSeparately = [.. Enumerable.Range(0, 100).Select(_ => aAlone.NextUInt64())];
        var bAlone = DeterministicRandom.For(9, StreamPurpose.Torch, 2, 4);
        ulong[] bSeparately = [.. Enumerable.Range(0, 100).Select(_ => bAlone.NextUInt64())];

        // Assert
        Assert.Equal(aSeparately, interleaved.Select(p => p.Item1));
        Assert.Equal(bSeparately, interleaved.Select(p => p.Item2));
        Assert.NotEqual(aSeparately, bSeparately);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(100)]
    public void Shuffle_returns_a_permutation(int n)
    {
        // Arrange
        int[] items = [.. Enumerable.Range(0, n)];

        // Act
        DeterministicRandom.For(8, StreamPurpose.DataOrder, 1, n).Shuffle(items.AsSpan());

        // Assert
        Assert.Equal(Enumerable.Range(0, n), items.Order());
    }

    [Fact]
    public void Shuffling_three_items_in_one_stream_gives_each_of_the_six_orders_equally_often()
    {
        // Arrange
        var stream = DeterministicRandom.For(13, StreamPurpose.DataOrder, 0, 0);
        var counts = new Dictionary<string, long>();

        // Act
        for (int i = 0; i < 60_000; i++)
        {
            int[] items = [0, 1, 2];
            stream.Shuffle(items.AsSpan());
            string order = string.Concat(items);
            counts[order] = counts.GetValueOrDefault(order) + 1;
        }

        // Assert: 3! = 6 orders, 5 degrees of freedom, 0.999 quantile 20.52 (expected 10,000 each).
        Assert.Equal(6, counts.Count);
        Assert.True(ChiSquare([.. counts.Values]) < 20.52, $"chi-square {ChiSquare([.. counts.Values]):0.00}");
    }

    [Fact]
    public void Shuffling_four_items_with_one_stream_per_client_gives_each_of_the_24_orders_equally_often()
    {
        // Arrange: the way data order is drawn, one stream per (round, client).
        var counts = new Dictionary<string, long>();

        // Act
        for (int client = 0; client < 120_000; client++)
        {
            int[] items = [0, 1, 2, 3];
            DeterministicRandom.For(13, StreamPurpose.DataOrder, round: 6, client: client).Shuffle(items.AsSpan());
            string order = string.Concat(items);
            counts[order] = counts.GetValueOrDefault(order) + 1;
        }

        // Assert: 4! = 24 orders, 23 degrees of freedom, 0.999 quantile 49.73 (expected 5,000 each).
        Assert.Equal(24, counts.Count);
        Assert.True(ChiSquare([.. counts.Values]) < 49.73, $"chi-square {ChiSquare([.. counts.Values]):0.00}");
    }

    [Fact]
    public void Gaussian_draws_have_mean_zero_and_variance_one()
    {
        // Arrange
        const int n = 200_000;
        var stream = DeterministicRandom.For(21, StreamPurpose.Noise, 3);
        double sum = 0, sumSquares = 0;

        // Act
        for (int i = 0; i < n; i++)
        {
            double g = stream.NextGaussian();
            sum += g;
            sumSquares += g * g;
        }
        double mean = sum / n, variance = sumSquares / n - mean * mean;

        // Assert: the mean's standard deviation is 1 / sqrt(200,000) = 0.0022 and the variance's
        // sqrt(2 / 200,000) = 0.0032; the bands are about 4.5 of each.
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(variance, 0.985, 1.015);
    }

    private static ulong Key(ulong seed, ulong purpose, ulong round, ulong client) =>
        DeterministicRandom.DeriveKey(seed, (StreamPurpose)purpose, (long)round, (long)client);

    /// <summary>Pearson's statistic against equal expected counts: sum of (observed - expected)^2 / expected.</summary>
    private static double ChiSquare(long[] counts)
    {
        double expected = (double)counts.Sum() / counts.Length;
        return counts.Sum(c => (c - expected) * (c - expected) / expected);
    }

    private static double Pearson(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double mx = 0, my = 0;
        for (int i = 0; i < x.Length; i++)
        {
            mx += x[i];
            my += y[i];
        }
        mx /= x.Length;
        my /= y.Length;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.Sqrt(sxx * syy);
    }
}
