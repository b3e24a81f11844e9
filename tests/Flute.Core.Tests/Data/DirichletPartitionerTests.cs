using Flute.Core.Data.Partitioners;
using static Flute.Core.Tests.Data.PartitionerTestData;

namespace Flute.Core.Tests.Data;

public sealed class DirichletPartitionerTests
{
    private static readonly int[] Labels = InterleavedLabels(10, 600);

    /// <summary>Mean over non-empty clients of the share of its samples in its most common class: 0.1 is perfectly balanced, 1 is one class each.</summary>
    private static double MeanTopClassShare(PartitionResult result) =>
        result.ClientTrain.Where(c => c.Length > 0)
            .Average(c => c.GroupBy(i => Labels[i]).Max(g => g.Count()) / (double)c.Length);

    [Fact]
    public void Uses_every_sample_exactly_once()
    {
        PartitionResult result = new DirichletPartitioner().Split(Labels, 10, Section("dirichlet", 20, alpha: 0.5), seed: 11);

        Assert.Equal(20, result.ClientTrain.Length);
        AssertEachIndexOnce(Labels.Length, result.ClientTrain);
    }

    [Fact]
    public void Small_alpha_is_far_more_label_skewed_than_large_alpha()
    {
        var partitioner = new DirichletPartitioner();

        double skewed = MeanTopClassShare(partitioner.Split(Labels, 10, Section("dirichlet", 20, alpha: 0.05), seed: 5));
        double balanced = MeanTopClassShare(partitioner.Split(Labels, 10, Section("dirichlet", 20, alpha: 100), seed: 5));

        // alpha 100: each client's class shares stay near 1/10; alpha 0.05: most clients are dominated by one class.
        Assert.True(balanced < 0.2, $"alpha 100 top-class share {balanced:F3}");
        Assert.True(skewed > 0.6, $"alpha 0.05 top-class share {skewed:F3}");
    }

    [Fact]
    public void Many_clients_may_be_empty_but_all_samples_are_placed()
    {
        PartitionResult result = new DirichletPartitioner().Split(Labels, 10, Section("dirichlet", 1000, alpha: 0.05), seed: 2);

        Assert.Contains(result.ClientTrain, c => c.Length == 0);
        AssertEachIndexOnce(Labels.Length, result.ClientTrain);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void Non_positive_alpha_is_rejected(double alpha)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new DirichletPartitioner().Split(Labels, 10, Section("dirichlet", 10, alpha: alpha), seed: 1));

        Assert.Contains("data.alpha", error.Message);
    }

    [Fact]
    public void Label_outside_class_range_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new DirichletPartitioner().Split([0, 1, 10], 10, Section("dirichlet", 2), seed: 1));

        Assert.Contains("label 10 at index 2", error.Message);
    }
}
