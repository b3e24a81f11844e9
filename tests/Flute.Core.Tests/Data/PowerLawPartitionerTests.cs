using Flute.Core.Data.Partitioners;
using static Flute.Core.Tests.Data.PartitionerTestData;

namespace Flute.Core.Tests.Data;

public sealed class PowerLawPartitionerTests
{
    // 100 users over 10 classes of 500: the first phase takes 5 × 2 × 10 = 100 of each class, leaving 400.
    private static readonly int[] Labels = InterleavedLabels(10, 500);

    [Fact]
    public void Each_user_holds_only_its_two_digits_with_at_least_five_of_each()
    {
        int[][] users = new PowerLawPartitioner().AssignUsers(Labels, 10, Section("powerlaw", 100), seed: 3);

        Assert.Equal(100, users.Length);
        for (int u = 0; u < users.Length; u++)
        {
            int first = u % 10, second = (u + 1) % 10;
            Assert.All(users[u], i => Assert.True(Labels[i] == first || Labels[i] == second, $"user {u} has label {Labels[i]}"));
            Assert.True(users[u].Count(i => Labels[i] == first) >= 5, $"user {u} digit {first}");
            Assert.True(users[u].Count(i => Labels[i] == second) >= 5, $"user {u} digit {second}");
        }
    }

    [Fact]
    public void Power_law_phase_places_nearly_all_samples_in_very_unequal_amounts()
    {
        int[][] users = new PowerLawPartitioner().AssignUsers(Labels, 10, Section("powerlaw", 100), seed: 3);

        AssertNoOverlap(users);
        // Flooring 10 classes × 10 groups × 2 proportions loses less than 200 samples of 5,000.
        Assert.InRange(users.Sum(u => u.Length), 4801, 5000);
        int[] sizes = users.Select(u => u.Length).Order().ToArray();
        Assert.True(sizes[^1] > 5 * sizes[sizes.Length / 2], $"largest {sizes[^1]}, median {sizes[sizes.Length / 2]}");
    }

    [Fact]
    public void Split_keeps_floor_ninety_percent_for_training_and_pools_the_rest_as_test()
    {
        var partitioner = new PowerLawPartitioner();
        var section = Section("powerlaw", 100);
        int[][] users = partitioner.AssignUsers(Labels, 10, section, seed: 8);

        PartitionResult result = partitioner.Split(Labels, 10, section, seed: 8);

        Assert.NotNull(result.TestIndices);
        for (int u = 0; u < users.Length; u++)
        {
            Assert.Equal(9 * users[u].Length / 10, result.ClientTrain[u].Length);
            Assert.Subset(users[u].ToHashSet(), result.ClientTrain[u].ToHashSet());
        }
        Assert.Equal(users.Sum(u => u.Length) - result.ClientTrain.Sum(c => c.Length), result.TestIndices.Length);
        AssertNoOverlap([.. result.ClientTrain, result.TestIndices]);
        Assert.Equal(users.SelectMany(u => u).Order(), result.ClientTrain.SelectMany(c => c).Concat(result.TestIndices).Order());
    }

    [Fact]
    public void User_count_not_a_multiple_of_ten_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new PowerLawPartitioner().Split(Labels, 10, Section("powerlaw", 15), seed: 1));

        Assert.Contains("multiple of the class count 10", error.Message);
    }

    [Fact]
    public void Too_few_samples_for_the_first_phase_is_rejected()
    {
        // 20 users need 5 × 2 × 2 = 20 of each class; there are 10.
        var error = Assert.Throws<ArgumentException>(() =>
            new PowerLawPartitioner().Split(InterleavedLabels(10, 10), 10, Section("powerlaw", 20), seed: 1));

        Assert.Contains("too few", error.Message);
    }

    private static void AssertNoOverlap(IEnumerable<int[]> parts)
    {
        var seen = new HashSet<int>();
        foreach (int[] part in parts)
            foreach (int index in part)
                Assert.True(seen.Add(index), $"index {index} given twice");
    }
}
