using Flute.Core.Strategies;

namespace Flute.Core.Tests.Strategies;

public sealed class FedBuffTests
{
    private static ClientUpdate Update(long client, params float[] values) => new(client, 10, 0.5, values);

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(3, 0.5)]
    [InlineData(8, 1.0 / 3)]
    public void StalenessWeight_IsOneOverSquareRootOfOnePlusS(long staleness, double expected) =>
        Assert.Equal(expected, FedBuffOptions.StalenessWeight(staleness), 15);

    [Fact]
    public void A_step_applies_the_first_M_arrivals_and_keeps_the_rest_in_flight()
    {
        // Arrange: C = 3, M = 2; clients 1, 2, 3 arrive at 4 s, 1 s, 2 s.
        var fedBuff = new FedBuff(new FedBuffOptions(Concurrency: 3, BufferSize: 2));
        Assert.Equal(3, fedBuff.FreeSlots);
        fedBuff.Dispatch(new Dictionary<long, double> { [1] = 4, [2] = 1, [3] = 2 });
        var step = new float[2];

        // Act
        fedBuff.Aggregate([Update(1, 100, 100), Update(2, 2, 4), Update(3, 6, 8)], step);

        // Assert: clients 2 and 3, staleness 0: (1/2)·([2, 4] + [6, 8]); the step ends at client 3's arrival.
        Assert.Equal([4f, 6f], step);
        Assert.Equal(2.0, fedBuff.Now);
        Assert.Equal((2, 0.0), fedBuff.LastStep);
        Assert.Equal(2, fedBuff.FreeSlots);
        Assert.True(fedBuff.IsInFlight(1));
        Assert.False(fedBuff.IsInFlight(2));
    }

    [Fact]
    public void A_stale_update_is_weighted_down()
    {
        // Arrange: the second step's clients are dispatched at 2 s; client 4 arrives at 2 + 1 = 3 s, before client 1 (4 s).
        var fedBuff = new FedBuff(new FedBuffOptions(3, 2));
        fedBuff.Dispatch(new Dictionary<long, double> { [1] = 4, [2] = 1, [3] = 2 });
        fedBuff.Aggregate([Update(1, 8, 8), Update(2, 0, 0), Update(3, 0, 0)], new float[2]);
        fedBuff.Dispatch(new Dictionary<long, double> { [4] = 1, [5] = 10 });
        var step = new float[2];

        // Act
        fedBuff.Aggregate([Update(4, 2, 2), Update(5, 50, 50)], step);

        // Assert: client 4 (staleness 0, weight 1) and client 1 (trained from step 0, now step 1: weight 1/√2):
        // (1/2)·([2, 2] + [8, 8]/√2).
        float expected = (float)(0.5 * (2 + 8 / Math.Sqrt(2)));
        Assert.Equal([expected, expected], step);
        Assert.Equal(4.0, fedBuff.Now);
        Assert.Equal((2, 0.5), fedBuff.LastStep);
    }

    [Fact]
    public void Exported_state_continues_bit_for_bit()
    {
        // Arrange
        var first = new FedBuff(new FedBuffOptions(3, 2));
        first.Dispatch(new Dictionary<long, double> { [1] = 4.25, [2] = 1, [3] = 2 });
        first.Aggregate([Update(1, 0.1f, 0.3f), Update(2, 1, 1), Update(3, 1, 1)], new float[2]);
        var resumed = new FedBuff(new FedBuffOptions(3, 2));

        // Act
        resumed.ImportState(first.ExportState());
        var expected = new float[2];
        var actual = new float[2];
        foreach (var (strategy, into) in new[] { (first, expected), (resumed, actual) })
        {
            strategy.Dispatch(new Dictionary<long, double> { [7] = 0.5, [8] = 9 });
            strategy.Aggregate([Update(7, 0.7f, 0.9f), Update(8, 5, 5)], into);
        }

        // Assert
        Assert.Equal(expected, actual);
        Assert.Equal(first.Now, resumed.Now);
        Assert.Equal(first.ExportState(), resumed.ExportState());
    }

    [Fact]
    public void State_that_is_cut_short_is_refused()
    {
        var fedBuff = new FedBuff(new FedBuffOptions(3, 2));
        fedBuff.Dispatch(new Dictionary<long, double> { [1] = 4, [2] = 1, [3] = 2 });
        fedBuff.Aggregate([Update(1, 1, 1), Update(2, 1, 1), Update(3, 1, 1)], new float[2]);
        byte[] state = fedBuff.ExportState()!;

        var error = Assert.Throws<ArgumentException>(() => new FedBuff(new FedBuffOptions(3, 2)).ImportState(state[..^3]));

        Assert.Contains("cut short", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_update_that_was_not_dispatched_is_an_error()
    {
        var fedBuff = new FedBuff(new FedBuffOptions(3, 2));
        fedBuff.Dispatch(new Dictionary<long, double> { [1] = 4 });

        Assert.Throws<InvalidOperationException>(() => fedBuff.Aggregate([Update(9, 1)], new float[1]));
    }
}
