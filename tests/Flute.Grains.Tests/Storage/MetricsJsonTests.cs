using Flute.Grains.Storage;
using Flute.Interfaces;

namespace Flute.Grains.Tests.Storage;

public sealed class MetricsJsonTests
{
    [Fact]
    public void History_round_trips_exactly_including_missing_and_non_finite_values()
    {
        RoundMetrics[] rounds =
        [
            new(1, 10, 9, 0.123456789012345, 0.25, null, null, null, 1, 2),
            new(2, 10, 10, double.NaN, 0.5, 0.125, 0.9375, 0.3, 0, 0) { ValidationAccuracy = 0.875, ValidationLoss = 0.4 },
        ];

        byte[] bytes = MetricsJson.EncodeHistory(rounds);
        List<RoundMetrics> back = MetricsJson.DecodeHistory(bytes);

        Assert.Equal(2, back.Count);
        Assert.Equal(rounds[0], back[0]);
        Assert.True(double.IsNaN(back[1].TrainLoss)); // written as null, read back as NaN
        Assert.Equal(0.9375, back[1].TestAccuracy);
        Assert.Equal(0.875, back[1].ValidationAccuracy);
        Assert.Equal(0.4, back[1].ValidationLoss);
        Assert.Equal("{\"round\":1,\"sampled\":10,\"clients\":9,\"train_loss\":0.123456789012345,\"seconds\":0.25,\"rejected\":1,\"retries\":2}", MetricsJson.Line(rounds[0]));
    }

    [Fact]
    public void A_line_cut_by_a_crash_is_a_format_error()
    {
        Assert.Throws<FormatException>(() => MetricsJson.Parse("{\"round\":3,\"sam"));
    }
}
