using Flute.Core.Configuration;
using Flute.Core.Sampling;

namespace Flute.Core.Tests.Sampling;

public sealed class PoissonCohortSamplerTests
{
    [Fact]
    public void Sample_MeanCohortSizeOverManyRoundsIsQTimesN()
    {
        // N = 10,000, q = 0.01: the size is Binomial(10,000, 0.01), mean 100, sd √99 ≈ 9.95; the mean of
        // 2,000 rounds has sd 9.95/√2000 ≈ 0.22, so ±1 is a 4.5σ band.
        long total = 0;
        const int rounds = 2_000;
        for (int round = 1; round <= rounds; round++) total += PoissonCohortSampler.Sample(10_000, 0.01, seed: 7, round).Length;

        Assert.InRange(total / (double)rounds, 99.0, 101.0);
    }

    [Fact]
    public void Sample_IncludesEveryClientWithProbabilityQ()
    {
        // N = 20, q = 0.3, 20,000 rounds: each id's inclusion frequency has sd √(0.21/20000) ≈ 0.0032; ±0.015 is 4.6σ.
        const int rounds = 20_000;
        var counts = new int[20];
        for (int round = 0; round < rounds; round++)
            foreach (long id in PoissonCohortSampler.Sample(20, 0.3, seed: 3, round)) counts[id]++;

        Assert.All(counts, count => Assert.InRange(count / (double)rounds, 0.285, 0.315));
    }

    [Fact]
    public void Sample_ReturnsSortedDistinctIdsInRangeAndMayBeEmpty()
    {
        // N = 10, q = 0.01: a round is empty with probability 0.99^10 ≈ 0.90, so 100 rounds hold empty ones.
        int empty = 0;
        for (int round = 0; round < 100; round++)
        {
            long[] ids = PoissonCohortSampler.Sample(10, 0.01, seed: 1, round);
            if (ids.Length == 0) empty++;
            Assert.Equal(ids.Distinct().Order(), ids);
            Assert.All(ids, id => Assert.InRange(id, 0, 9));
        }
        Assert.InRange(empty, 70, 100);
    }

    [Fact]
    public void Sample_IsAPureFunctionOfSeedAndRound()
    {
        long[] first = PoissonCohortSampler.Sample(100_000, 0.001, seed: 42, round: 3);
        long[] again = PoissonCohortSampler.Sample(100_000, 0.001, seed: 42, round: 3);
        long[] nextRound = PoissonCohortSampler.Sample(100_000, 0.001, seed: 42, round: 4);

        Assert.Equal(first, again);
        Assert.NotEqual(first, nextRound);
    }

    [Fact]
    public void Sample_OfAHugePopulationAllocatesOnlyForTheCohort()
    {
        // N = 10^12, q = 10^-10: expected cohort 100. Anything O(N) would need terabytes; the walk by
        // geometric gaps allocates the list of chosen ids only (a few kilobytes).
        PoissonCohortSampler.Sample(1_000, 0.5, seed: 0, round: 0); // JIT outside the measurement
        long before = GC.GetAllocatedBytesForCurrentThread();
        long[] ids = PoissonCohortSampler.Sample(1_000_000_000_000, 1e-10, seed: 5, round: 1);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.InRange(ids.Length, 50, 150);
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes for a cohort of {ids.Length}");
    }

    [Fact]
    public void Sample_WithQZeroIsEmptyAndWithQOneIsEveryone()
    {
        Assert.Empty(PoissonCohortSampler.Sample(50, 0, seed: 1, round: 1));
        Assert.Equal([0L, 1, 2, 3, 4], PoissonCohortSampler.Sample(5, 1, seed: 1, round: 1));
    }

    [Fact]
    public void RoundCohort_FixedSamplingIsTheFloydDrawAndPoissonThePoissonDraw()
    {
        // Arrange
        FluteConfig config = ConfigLoader.LoadText("experiment:\n  rounds: 1\n  seed: 11\nserver:\n  clients_per_round: 20\ndata:\n  num_clients: 500\n", "d.yaml", []);
        FluteConfig poisson = ConfigLoader.LoadText("experiment:\n  rounds: 1\n  seed: 11\nserver:\n  clients_per_round: 20\n  sampling: poisson\ndata:\n  num_clients: 500\n", "d.yaml", []);

        // Assert: the default keeps today's cohorts (and so every existing hash).
        Assert.Equal(CohortSampler.Sample(500, 20, 11, 4), RoundCohort.Sample(config, 500, 4));
        Assert.Equal(PoissonCohortSampler.Sample(500, 20 / 500.0, 11, 4), RoundCohort.Sample(poisson, 500, 4));
    }
}
