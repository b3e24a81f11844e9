using Flute.Core.Configuration;
using Flute.Core.Schedules;

namespace Flute.Core.Tests.Schedules;

public sealed class LearningRateScheduleTests
{
    [Fact]
    public void Constant_returns_the_base_rate_exactly_in_every_round()
    {
        // Arrange: the default client schedule must hand LocalSgd the configured lr bit for bit.
        var schedule = new LearningRateSchedule("constant", 0.05, totalRounds: 3);

        // Act
        double[] rates = [schedule.At(1), schedule.At(2), schedule.At(3), schedule.At(50)];

        // Assert
        Assert.All(rates, r => Assert.Equal(0.05, r));
    }

    [Fact]
    public void Step_multiplies_by_gamma_every_n_rounds()
    {
        // Arrange: lr 0.8, γ 0.5, N 2: rounds 1-2 → 0.8, 3-4 → 0.4, 5 → 0.2, 7 → 0.1 (powers of two are exact).
        var schedule = new LearningRateSchedule("step", 0.8, gamma: 0.5, stepRounds: 2, totalRounds: 10);

        // Act
        double[] rates = [.. Enumerable.Range(1, 7).Select(schedule.At)];

        // Assert
        Assert.Equal([0.8, 0.8, 0.4, 0.4, 0.2, 0.2, 0.1], rates);
    }

    [Fact]
    public void Exponential_multiplies_by_gamma_every_round()
    {
        // Arrange: lr 1, γ 0.5: round r → 0.5^(r−1) = 1, 0.5, 0.25, 0.125.
        var schedule = new LearningRateSchedule("exponential", 1, gamma: 0.5, totalRounds: 4);

        // Act
        double[] rates = [.. Enumerable.Range(1, 4).Select(schedule.At)];

        // Assert
        Assert.Equal([1, 0.5, 0.25, 0.125], rates);
    }

    [Fact]
    public void Cosine_goes_from_lr_in_round_one_to_the_minimum_in_the_last()
    {
        // Arrange: lr 1, min 0.2, R 5 → T = 4: r − 1 = 0..4, cos(π k/4) = 1, √2/2, 0, −√2/2, −1;
        // lr_r = 0.2 + 0.8 (1 + cos)/2 = 1, 0.2 + 0.4 (1 + √2/2) ≈ 0.882843, 0.6, 0.2 + 0.4 (1 − √2/2) ≈ 0.317157, 0.2.
        var schedule = new LearningRateSchedule("cosine", 1, minLr: 0.2, totalRounds: 5);
        double half = Math.Sqrt(2) / 2;

        // Act
        double[] rates = [.. Enumerable.Range(1, 6).Select(schedule.At)];

        // Assert
        Assert.Equal(1, rates[0]);
        Assert.Equal(0.2 + 0.4 * (1 + half), rates[1], 12);
        Assert.Equal(0.6, rates[2], 12);
        Assert.Equal(0.2 + 0.4 * (1 - half), rates[3], 12);
        Assert.Equal(0.2, rates[4]);
        Assert.Equal(0.2, rates[5]); // past the horizon (a run extended on resume): stays at the minimum
    }

    [Fact]
    public void Cosine_over_one_round_is_the_base_rate()
    {
        var schedule = new LearningRateSchedule("cosine", 0.3, minLr: 0.1, totalRounds: 1);

        Assert.Equal(0.3, schedule.At(1));
    }

    [Fact]
    public void ForClient_and_ForServer_read_their_sections_and_the_run_length()
    {
        // Arrange: client exponential 0.1·0.5^(r−1); server step 2·0.25^⌊(r−1)/3⌋ (its name list is
        // still constant-only in the schema, so the config is built in code).
        FluteConfig config = ConfigLoader.LoadText(
            "experiment:\n  rounds: 8\nclient:\n  lr: 0.1\n  lr_schedule: exponential\n  lr_gamma: 0.5\n", "s.yaml", []);
        config.Server.Lr = 2;
        config.Server.LrSchedule = "step";
        config.Server.LrGamma = 0.25;
        config.Server.LrStepRounds = 3;

        // Act
        var client = LearningRateSchedule.ForClient(config);
        var server = LearningRateSchedule.ForServer(config);

        // Assert
        Assert.Equal(8, client.TotalRounds);
        Assert.Equal(0.1 * 0.125, client.At(4));
        Assert.Equal([2, 2, 2, 0.5, 0.5], [.. Enumerable.Range(1, 5).Select(server.At)]);
    }

    [Theory]
    [InlineData("linear", 0.1, 1, 1, 0, 1)]
    [InlineData("step", 0, 1, 1, 0, 1)]
    [InlineData("step", 0.1, 0, 1, 0, 1)]
    [InlineData("step", 0.1, 1.5, 1, 0, 1)]
    [InlineData("step", 0.1, 1, 0, 0, 1)]
    [InlineData("cosine", 0.1, 1, 1, 0.2, 1)]
    [InlineData("cosine", 0.1, 1, 1, 0, 0)]
    public void Bad_arguments_are_rejected(string kind, double lr, double gamma, int stepRounds, double minLr, int totalRounds)
    {
        Assert.ThrowsAny<ArgumentException>(() => new LearningRateSchedule(kind, lr, gamma, stepRounds, minLr, totalRounds));
    }

    [Fact]
    public void Round_zero_is_rejected()
    {
        var schedule = new LearningRateSchedule("constant", 0.1);

        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.At(0));
    }
}
