using Flute.Core.Attacks;
using Flute.Core.Randomness;

namespace Flute.Core.Tests.Attacks;

public sealed class AttackerSelectionTests
{
    private static readonly long[] Cohort = [901, 17, 4_000_000_123, 5, 88, 312, 77, 1_024, 63, 250];

    [Theory]
    [InlineData(10, 0.2, 2)]
    [InlineData(10, 0.25, 3)] // 2.5 rounds up
    [InlineData(10, 0.0, 0)]
    [InlineData(10, 1.0, 10)]
    [InlineData(7, 0.3, 2)]   // 2.1
    [InlineData(100, 0.15, 15)]
    public void AttackerCount_IsTheRoundedFractionOfTheCohort(int cohortSize, double fraction, int expected)
    {
        // Act and assert
        Assert.Equal(expected, AttackerSelection.AttackerCount(cohortSize, fraction));
    }

    [Fact]
    public void Choose_GivesTheSameSetForEveryOrderOfTheCohort()
    {
        // Arrange
        long[] expected = AttackerSelection.Choose(seed: 11, round: 5, Cohort, fraction: 0.3);
        DeterministicRandom shuffler = DeterministicRandom.For(99, StreamPurpose.Noise);

        for (int trial = 0; trial < 20; trial++)
        {
            long[] permuted = (long[])Cohort.Clone();
            shuffler.Shuffle<long>(permuted);

            // Act
            long[] attackers = AttackerSelection.Choose(seed: 11, round: 5, permuted, fraction: 0.3);

            // Assert
            Assert.Equal(expected, attackers);
        }
        Assert.Equal(3, expected.Length);
        Assert.All(expected, id => Assert.Contains(id, Cohort));
        Assert.Equal(expected.Order(), expected);
    }

    [Fact]
    public void Choose_TakesTheClientsWithTheSmallestStreamKeys()
    {
        // Arrange: the documented rule, evaluated directly.
        long[] expected = [.. Cohort
            .OrderBy(id => DeterministicRandom.DeriveKey(3, StreamPurpose.AttackSelection, 8, id))
            .Take(2)
            .Order()];

        // Act
        long[] attackers = AttackerSelection.Choose(seed: 3, round: 8, Cohort, fraction: 0.2);

        // Assert
        Assert.Equal(expected, attackers);
    }

    [Fact]
    public void Choose_VariesWithTheRoundAndTheSeed()
    {
        // Act: 10 choose 2 = 45 possible sets; ten rounds or ten seeds all giving one set would be a bug.
        int distinctByRound = Enumerable.Range(0, 10).Select(r => string.Join(",", AttackerSelection.Choose(1, r, Cohort, 0.2))).Distinct().Count();
        int distinctBySeed = Enumerable.Range(0, 10).Select(s => string.Join(",", AttackerSelection.Choose((ulong)s, 1, Cohort, 0.2))).Distinct().Count();

        // Assert
        Assert.True(distinctByRound > 1);
        Assert.True(distinctBySeed > 1);
    }

    [Fact]
    public void Choose_RejectsADuplicateClientAndABadFraction()
    {
        // Act and assert
        var error = Assert.Throws<ArgumentException>(() => AttackerSelection.Choose(1, 1, [3, 4, 3], 0.5));
        Assert.Contains("client 3 twice", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => AttackerSelection.Choose(1, 1, Cohort, 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => AttackerSelection.Choose(1, 1, Cohort, double.NaN));
    }
}
