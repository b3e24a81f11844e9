using Flute.Core.Evaluation;

namespace Flute.Core.Tests.Evaluation;

public sealed class AccuracySpreadTests
{
    [Fact]
    public void Percentiles_interpolate_between_the_closest_ranks()
    {
        // Sorted: 0.1 0.2 0.3 0.4 0.5; positions 0.4, 2 and 3.6.
        AccuracySpread spread = AccuracySpread.Of([0.5, 0.1, 0.4, 0.2, 0.3]);
        Assert.Equal(5, spread.Clients);
        Assert.Equal(0.3, spread.Mean, 12);
        Assert.Equal(0.1 + 0.4 * 0.1, spread.P10, 12);   // 0.14
        Assert.Equal(0.3, spread.P50, 12);
        Assert.Equal(0.4 + 0.6 * 0.1, spread.P90, 12);   // 0.46
    }

    [Fact]
    public void Two_clients_give_the_values_between_them_and_one_client_its_own()
    {
        AccuracySpread two = AccuracySpread.Of([1.0, 0.0]);
        Assert.Equal(0.1, two.P10, 12);
        Assert.Equal(0.5, two.P50, 12);
        Assert.Equal(0.9, two.P90, 12);
        AccuracySpread one = AccuracySpread.Of([0.75]);
        Assert.Equal((1, 0.75, 0.75, 0.75, 0.75), (one.Clients, one.Mean, one.P10, one.P50, one.P90));
    }

    [Fact]
    public void The_mean_does_not_depend_on_the_order_of_the_clients()
    {
        double[] values = [0.1, 0.7, 0.3, 0.9, 0.05, 0.6];
        Assert.Equal(AccuracySpread.Of(values), AccuracySpread.Of([.. values.Reverse()]));
    }

    [Fact]
    public void No_values_or_a_value_outside_0_to_1_is_refused()
    {
        Assert.Throws<ArgumentException>(() => AccuracySpread.Of([]));
        Assert.Throws<ArgumentException>(() => AccuracySpread.Of([0.5, 1.5]));
        Assert.Throws<ArgumentException>(() => AccuracySpread.Of([double.NaN]));
    }
}
