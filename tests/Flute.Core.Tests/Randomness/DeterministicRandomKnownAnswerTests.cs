using Flute.Core.Randomness;
using static Flute.Core.Tests.Randomness.ReferenceGenerators;

namespace Flute.Core.Tests.Randomness;

/// <summary>
/// Known answers for the streams every random choice of a run comes from. A change to any value
/// here changes every model Flute computes, so a failure means "find out why", not "update the
/// number". The literals were computed by a separate Python transcription of the published
/// algorithms (SplitMix64, xoshiro256**, Lemire), and the reference transcription in
/// <see cref="ReferenceGenerators"/> is itself checked against the authors' published vectors.
/// </summary>
public sealed class DeterministicRandomKnownAnswerTests
{
    [Fact]
    public void The_reference_transcriptions_reproduce_the_published_vectors()
    {
        // Arrange: splitmix64.c from state 0; xoshiro256starstar.c from state {1, 2, 3, 4}
        // (the vector the reference implementation produces, e.g. in rand_xoshiro's tests).
        ulong x = 0;
        var xoshiro = new Xoshiro256StarStar(1, 2, 3, 4);

        // Act
        ulong[] splitMix = [SplitMixNext(ref x), SplitMixNext(ref x), SplitMixNext(ref x), SplitMixNext(ref x)];
        ulong[] star = [xoshiro.Next(), xoshiro.Next(), xoshiro.Next(), xoshiro.Next()];

        // Assert. By hand for the first xoshiro output: rotl(s1 * 5, 7) * 9 = rotl(10, 7) * 9 = 1280 * 9 = 11520;
        // the second: s1 becomes 2 ^ (3 ^ 1) = 0, so rotl(0, 7) * 9 = 0.
        Assert.Equal([0xE220A8397B1DCDAFUL, 0x6E789E6AA1B965F4UL, 0x06C45D188009454FUL, 0xF88BB8A8724C81ECUL], splitMix);
        Assert.Equal([11520UL, 0UL, 1509978240UL, 1215971899390074240UL], star);
    }

    [Fact]
    public void Stream_purposes_keep_their_persisted_numbers()
    {
        // The purpose is part of every stream key: renumbering one changes every run's bits.
        var expected = new Dictionary<StreamPurpose, ulong>
        {
            [StreamPurpose.Cohort] = 1,
            [StreamPurpose.DataOrder] = 2,
            [StreamPurpose.ModelInit] = 3,
            [StreamPurpose.Partition] = 4,
            [StreamPurpose.Dropout] = 5,
            [StreamPurpose.Noise] = 6,
            [StreamPurpose.Torch] = 7,
            [StreamPurpose.Evaluation] = 8,
            [StreamPurpose.Validation] = 9,
            [StreamPurpose.Synthetic] = 10,
            [StreamPurpose.AttackSelection] = 11,
            [StreamPurpose.AttackNoise] = 12,
            [StreamPurpose.StaleUpdate] = 13,
            [StreamPurpose.DeviceProfile] = 14,
            [StreamPurpose.ClientDropout] = 15,
            [StreamPurpose.Availability] = 16,
            [StreamPurpose.QuantizationRounding] = 19,
            [StreamPurpose.DpNoise] = 20,
            [StreamPurpose.ClientTestSplit] = 23,
            [StreamPurpose.Personalization] = 24,
            [StreamPurpose.ClipCountNoise] = 25,
            [StreamPurpose.PoissonCohort] = 26,
            [StreamPurpose.SecureAggregationMask] = 29,
            [StreamPurpose.LocalDpNoise] = 27,
            [StreamPurpose.AggregateNoise] = 30,
        };

        // Act
        var actual = Enum.GetValues<StreamPurpose>().ToDictionary(p => p, p => (ulong)p);

        // Assert
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(0UL, StreamPurpose.Cohort, -1L, -1L, 0x5bdb1025dc97aa19UL)]
    [InlineData(42UL, StreamPurpose.DataOrder, 7L, 12345L, 0x0602b9ac5fb176cfUL)]
    [InlineData(ulong.MaxValue, StreamPurpose.Synthetic, 0L, 0L, 0x3607e0a6fa3ef624UL)]
    public void DeriveKey_gives_the_published_hash_chain(ulong seed, StreamPurpose purpose, long round, long client, ulong expected)
    {
        // Act
        ulong key = DeterministicRandom.DeriveKey(seed, purpose, round, client);

        // Assert: the pinned value, and the chain of SplitMix64 finalizers recomputed independently.
        Assert.Equal(expected, key);
        Assert.Equal(StreamKey(seed, (ulong)purpose, round, client), key);
    }

    [Fact]
    public void DeriveKey_defaults_round_and_client_to_minus_one()
    {
        // Act and assert
        Assert.Equal(DeterministicRandom.DeriveKey(5, StreamPurpose.ModelInit, -1, -1), DeterministicRandom.DeriveKey(5, StreamPurpose.ModelInit));
    }

    [Fact]
    public void The_first_hash_step_of_seed_zero_is_splitmix64s_first_output()
    {
        // SplitMix64 from state 0 outputs finalizer(0 + gamma); DeriveKey starts with finalizer(seed ^ gamma),
        // which for seed 0 is the same number: 0xE220A8397B1DCDAF (the published first output).
        // Act
        ulong firstStep = SplitMixFinalizer(0 ^ Golden);

        // Assert
        Assert.Equal(0xE220A8397B1DCDAFUL, firstStep);
        Assert.Equal(SplitMixFinalizer(SplitMixFinalizer(SplitMixFinalizer(firstStep ^ 1) ^ ulong.MaxValue) ^ ulong.MaxValue),
            DeterministicRandom.DeriveKey(0, StreamPurpose.Cohort));
    }

    [Fact]
    public void A_stream_is_xoshiro256_star_star_seeded_by_splitmix64_of_its_key()
    {
        // Arrange
        ulong key = DeterministicRandom.DeriveKey(42, StreamPurpose.Cohort, round: 3);
        var stream = DeterministicRandom.For(42, StreamPurpose.Cohort, round: 3);
        var reference = Xoshiro256StarStar.SeededBySplitMix(key);

        // Act
        ulong[] first = [.. Enumerable.Range(0, 4).Select(_ => stream.NextUInt64())];
        ulong[] thousand = [.. Enumerable.Range(0, 1000).Select(_ => stream.NextUInt64())];
        // A loop, not Select(...).Skip(4): LINQ skips over a range without calling the selector.
        ulong[] expectedAll = new ulong[1004];
        for (int i = 0; i < expectedAll.Length; i++) expectedAll[i] = reference.Next();

        // Assert
        Assert.Equal([0xcd1e2f727ef2c628UL, 0x75536bb9cb94f681UL, 0x2a2cee0be9ec17c5UL, 0x07b66ca1347b411fUL], first);
        Assert.Equal(expectedAll[..4], first);
        Assert.Equal(expectedAll[4..], thousand);
    }

    [Fact]
    public void The_key_zero_stream_matches_the_reference_seeded_from_splitmix64s_published_outputs()
    {
        // Arrange: key 0 seeds the state with SplitMix64's published first four outputs.
        var stream = new DeterministicRandom(0);
        var reference = new Xoshiro256StarStar(0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F, 0xF88BB8A8724C81EC);

        // Act
        ulong[] actual = [stream.NextUInt64(), stream.NextUInt64()];

        // Assert
        Assert.Equal([0x99ec5f36cb75f2b4UL, 0xbf6e1f784956452aUL], actual);
        Assert.Equal([reference.Next(), reference.Next()], actual);
    }

    [Fact]
    public void NextDouble_is_the_top_53_bits_scaled_by_two_to_the_minus_53()
    {
        // Arrange
        var stream = DeterministicRandom.For(7, StreamPurpose.Noise, round: 1, client: 2);
        var reference = Xoshiro256StarStar.SeededBySplitMix(DeterministicRandom.DeriveKey(7, StreamPurpose.Noise, 1, 2));

        // Act
        double[] actual = [stream.NextDouble(), stream.NextDouble(), stream.NextDouble()];

        // Assert
        Assert.Equal([0.21903641318668843, 0.6774154960277655, 0.09586165292111393], actual);
        Assert.Equal([reference.NextDouble(), reference.NextDouble(), reference.NextDouble()], actual);
    }

    [Fact]
    public void Bounded_integers_follow_lemires_method()
    {
        // Arrange
        var stream = DeterministicRandom.For(42, StreamPurpose.DataOrder, 7, 12345);
        var reference = Xoshiro256StarStar.SeededBySplitMix(DeterministicRandom.DeriveKey(42, StreamPurpose.DataOrder, 7, 12345));
        ulong[] bounds = [10, 10, 10, 10, 10, 10, 10, 10, 3, 1, 1UL << 63, ulong.MaxValue, 1_000_003, 7];

        // Act
        ulong[] actual = [.. bounds.Select(stream.NextUInt64)];
        ulong[] expected = [.. bounds.Select(reference.NextBelow)];

        // Assert
        Assert.Equal([4UL, 9, 8, 2, 2, 9, 1, 4], actual[..8]);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Shuffle_is_fisher_yates_over_lemire_draws()
    {
        // Arrange
        var stream = DeterministicRandom.For(42, StreamPurpose.DataOrder, 7, 12345);
        var reference = Xoshiro256StarStar.SeededBySplitMix(DeterministicRandom.DeriveKey(42, StreamPurpose.DataOrder, 7, 12345));
        int[] items = [.. Enumerable.Range(0, 10)];
        int[] expected = [.. Enumerable.Range(0, 10)];

        // Act
        stream.Shuffle(items.AsSpan());
        reference.Shuffle(expected);

        // Assert
        Assert.Equal([3, 2, 5, 0, 9, 7, 1, 6, 8, 4], items);
        Assert.Equal(expected, items);
    }

    [Fact]
    public void NextGaussian_is_marsaglias_polar_method_and_uses_the_spare()
    {
        // Arrange: recompute the polar method from the reference doubles.
        var stream = DeterministicRandom.For(3, StreamPurpose.Noise, 0, 0);
        var reference = Xoshiro256StarStar.SeededBySplitMix(DeterministicRandom.DeriveKey(3, StreamPurpose.Noise, 0, 0));
        var expected = new List<double>();
        while (expected.Count < 6)
        {
            double u = 2 * reference.NextDouble() - 1, v = 2 * reference.NextDouble() - 1, s = u * u + v * v;
            if (s >= 1 || s == 0) continue;
            double f = Math.Sqrt(-2 * Math.Log(s) / s);
            expected.Add(u * f);
            expected.Add(v * f);
        }

        // Act
        double[] actual = [.. Enumerable.Range(0, 6).Select(_ => stream.NextGaussian())];

        // Assert
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Bounds_of_zero_are_refused()
    {
        // Arrange
        var stream = new DeterministicRandom(1);

        // Act and assert
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.NextUInt64(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.NextGamma(0));
    }
}
