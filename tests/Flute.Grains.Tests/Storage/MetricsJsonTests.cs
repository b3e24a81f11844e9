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
    public void Configured_metrics_are_flat_test_and_val_keys_in_their_order_and_read_back()
    {
        // Arrange
        var round = new RoundMetrics(2, 10, 10, 0.5, 0.2, 0.1, 0.75, 0.6, 0, 0)
        {
            ValidationAccuracy = 0.5,
            ValidationLoss = 0.7,
            TestMetrics = new Dictionary<string, double> { ["top5_accuracy"] = 0.875, ["macro_f1"] = double.NaN },
            ValidationMetrics = new Dictionary<string, double> { ["top5_accuracy"] = 0.625, ["macro_f1"] = 0.25 },
        };

        // Act
        string line = MetricsJson.Line(round);
        RoundMetrics back = MetricsJson.Parse(line);

        // Assert: after val_loss, test_ then val_ in server.metrics order; NaN is null and reads back as NaN.
        Assert.Contains("\"val_loss\":0.7,\"test_top5_accuracy\":0.875,\"test_macro_f1\":null,\"val_top5_accuracy\":0.625,\"val_macro_f1\":0.25", line, StringComparison.Ordinal);
        Assert.Equal(0.75, back.TestAccuracy);
        Assert.Equal(0.5, back.ValidationAccuracy);
        Assert.Equal(["top5_accuracy", "macro_f1"], back.TestMetrics!.Keys);
        Assert.Equal(0.875, back.TestMetrics["top5_accuracy"]);
        Assert.True(double.IsNaN(back.TestMetrics["macro_f1"]));
        Assert.Equal(0.25, back.ValidationMetrics!["macro_f1"]);
        Assert.Equal(line, MetricsJson.Line(back));
    }

    [Fact]
    public void Cluster_traffic_fields_round_trip()
    {
        var round = new RoundMetrics(3, 12, 12, 0.5, 0.2, null, null, null, 0, 4)
        {
            ModelBytesToSilos = 62800,
            UpdateBytesToServer = 188496,
            SiloClients = new Dictionary<string, int> { ["127.0.0.1:2"] = 5, ["127.0.0.1:1"] = 7 },
        };
        string line = MetricsJson.Line(round);
        Assert.EndsWith("\"model_bytes_to_silos\":62800,\"update_bytes_to_server\":188496,\"silo_clients\":{\"127.0.0.1:1\":7,\"127.0.0.1:2\":5}}", line);
        RoundMetrics back = MetricsJson.Parse(line);
        Assert.Equal(62800, back.ModelBytesToSilos);
        Assert.Equal(188496, back.UpdateBytesToServer);
        Assert.Equal(7, back.SiloClients!["127.0.0.1:1"]);
        Assert.Equal(5, back.SiloClients["127.0.0.1:2"]);
        Assert.Equal(line, MetricsJson.Line(back));
    }

    [Fact]
    public void Attacked_is_written_when_set_even_when_zero_and_read_back()
    {
        // Arrange: attack.type none leaves it null (not written); an attack with fraction 0 writes 0.
        var none = new RoundMetrics(1, 10, 10, 0.5, 0.2, null, null, null, 0, 0);
        var zero = none with { Attacked = 0 };
        var two = none with { Attacked = 2 };

        // Act
        string noneLine = MetricsJson.Line(none), zeroLine = MetricsJson.Line(zero), twoLine = MetricsJson.Line(two);

        // Assert
        Assert.DoesNotContain("attacked", noneLine, StringComparison.Ordinal);
        Assert.Contains("\"attacked\":0", zeroLine, StringComparison.Ordinal);
        Assert.Equal(2, MetricsJson.Parse(twoLine).Attacked);
        Assert.Null(MetricsJson.Parse(noneLine).Attacked);
        Assert.Equal(twoLine, MetricsJson.Line(MetricsJson.Parse(twoLine)));
    }

    [Fact]
    public void Client_accuracy_spreads_are_flat_keys_read_back_exactly()
    {
        var plain = new RoundMetrics(2, 5, 5, 0.5, 0.2, 0.1, 0.8, 0.6, 0, 0);
        var spread = plain with
        {
            ClientAccuracy = new ClientAccuracy(5, 0.7, 0.55, 0.7, 0.9),
            PersonalizedAccuracy = new ClientAccuracy(5, 0.85, 0.6, 0.9, 1),
        };

        string line = MetricsJson.Line(spread);

        Assert.Contains("\"client_acc_clients\":5,\"client_acc_mean\":0.7,\"client_acc_p10\":0.55,\"client_acc_p50\":0.7,\"client_acc_p90\":0.9", line, StringComparison.Ordinal);
        Assert.Contains("\"personalized_acc_mean\":0.85", line, StringComparison.Ordinal);
        Assert.DoesNotContain("client_acc", MetricsJson.Line(plain), StringComparison.Ordinal);
        RoundMetrics back = MetricsJson.Parse(line);
        Assert.Equal(spread.ClientAccuracy, back.ClientAccuracy);
        Assert.Equal(spread.PersonalizedAccuracy, back.PersonalizedAccuracy);
        Assert.Null(MetricsJson.Parse(MetricsJson.Line(plain)).ClientAccuracy);
        Assert.Equal(line, MetricsJson.Line(back));
    }

    [Fact]
    public void Virtual_clock_fields_round_trip_exactly_and_are_absent_with_the_clock_off()
    {
        // Arrange: a virtual time whose shortest round-trip form has 17 digits (a resume reads the clock back from it).
        var off = new RoundMetrics(1, 10, 10, 0.5, 0.2, null, null, null, 0, 0);
        var on = off with { VirtualSeconds = 0.1 + 0.2, VirtualTime = 17.814136245023484, Dropped = 1, Late = 0 };

        // Act
        string offLine = MetricsJson.Line(off), onLine = MetricsJson.Line(on);
        RoundMetrics parsed = MetricsJson.Parse(onLine);

        // Assert
        Assert.DoesNotContain("virtual", offLine, StringComparison.Ordinal);
        Assert.Contains("\"virtual_seconds\":0.30000000000000004", onLine, StringComparison.Ordinal);
        Assert.Equal(0.1 + 0.2, parsed.VirtualSeconds);
        Assert.Equal(17.814136245023484, parsed.VirtualTime);
        Assert.Equal(1, parsed.Dropped);
        Assert.Equal(0, parsed.Late);
        Assert.Null(MetricsJson.Parse(offLine).VirtualTime);
    }

    [Fact]
    public void Adaptive_clipping_and_skipped_step_fields_round_trip_and_are_absent_otherwise()
    {
        // Arrange: C and the noised clipped share as a resume reads them back (17 significant digits).
        var plain = new RoundMetrics(1, 10, 10, 0.5, 0.2, null, null, null, 0, 0);
        var adaptive = plain with { ClipNorm = 0.44727642182638494, ClippedFraction = -0.057156507936908074 };
        var skipped = new RoundMetrics(2, 0, 0, double.NaN, 0.0, null, null, null, 0, 0) { StepSkipped = true };

        // Act
        string plainLine = MetricsJson.Line(plain), adaptiveLine = MetricsJson.Line(adaptive), skippedLine = MetricsJson.Line(skipped);
        RoundMetrics parsed = MetricsJson.Parse(adaptiveLine);

        // Assert
        Assert.DoesNotContain("clip", plainLine, StringComparison.Ordinal);
        Assert.DoesNotContain("step_skipped", plainLine, StringComparison.Ordinal);
        Assert.Contains("\"clip_norm\":0.44727642182638494,\"clipped_fraction\":-0.057156507936908074", adaptiveLine, StringComparison.Ordinal);
        Assert.Equal(0.44727642182638494, parsed.ClipNorm);
        Assert.Equal(-0.057156507936908074, parsed.ClippedFraction);
        Assert.Contains("\"step_skipped\":true", skippedLine, StringComparison.Ordinal);
        Assert.True(MetricsJson.Parse(skippedLine).StepSkipped);
        Assert.Null(parsed.StepSkipped);
    }

    [Fact]
    public void A_line_cut_by_a_crash_is_a_format_error()
    {
        Assert.Throws<FormatException>(() => MetricsJson.Parse("{\"round\":3,\"sam"));
    }
}
