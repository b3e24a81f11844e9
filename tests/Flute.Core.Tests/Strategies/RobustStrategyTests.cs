using Flute.Core.Configuration;
using Flute.Core.Strategies;

namespace Flute.Core.Tests.Strategies;

/// <summary>
/// The buffered robust strategies through their strategy classes (the math classes in
/// Aggregation/Robust have their own tests): hand-computed aggregates on small vectors, option checks,
/// rounds with too few updates, and the registry building each from the config.
/// </summary>
[Collection(Flute.Core.Tests.Registry.RegistryCollection.Name)]
public sealed class RobustStrategyTests
{
    /// <summary>Updates of clients with ids 3, 8, 15, … (the buffer hands them over in this order); the vectors as given.</summary>
    private static ClientUpdate[] Updates(params float[][] vectors) =>
        [.. vectors.Select((v, i) => new ClientUpdate(3 + 5L * i, 10 * (i + 1), 0.5, v))];

    private static float[] Aggregate(IStrategy strategy, ClientUpdate[] updates)
    {
        var result = new float[updates[0].Update.Length];
        strategy.Aggregate(updates, result);
        return result;
    }

    // Krum's example: five 2-D updates, the last far away.
    // Squared distances: d01 = 1, d02 = 4, d03 = 2, d04 = 200, d12 = 5, d13 = 1, d14 = 181,
    // d23 = 2, d24 = 164, d34 = 162. With f = 1 each score sums the n − f − 2 = 2 smallest:
    // s0 = 1 + 2 = 3, s1 = 1 + 1 = 2, s2 = 2 + 4 = 6, s3 = 1 + 2 = 3, s4 = 162 + 164 = 326.
    private static ClientUpdate[] KrumExample() => Updates([0f, 0f], [1f, 0f], [0f, 2f], [1f, 1f], [10f, 10f]);

    [Fact]
    public void Median_takes_the_middle_value_per_coordinate_and_the_midpoint_for_an_even_count()
    {
        // Arrange: coordinates sorted — odd: (1, 2, 3) → 2, (−1, 5, 10) → 5, (−2, 0, 4) → 0;
        // with a fourth update: (1, 2, 3, 4) → 2.5, (−1, 0, 5, 10) → 2.5, (−2, 0, 1, 4) → 0.5.
        var strategy = new MedianStrategy();
        ClientUpdate[] odd = Updates([1f, 5f, -2f], [3f, -1f, 0f], [2f, 10f, 4f]);
        ClientUpdate[] even = [.. odd, .. Updates([4f, 0f, 1f]).Select(u => u with { ClientId = 99 })];

        // Act
        float[] oddMedian = Aggregate(strategy, odd);
        float[] evenMedian = Aggregate(strategy, even);

        // Assert
        Assert.Equal([2f, 5f, 0f], oddMedian);
        Assert.Equal([2.5f, 2.5f, 0.5f], evenMedian);
        Assert.Equal(AggregatorKind.Buffered, strategy.Aggregator);
        Assert.Null(strategy.ExportState());
    }

    [Fact]
    public void TrimmedMean_drops_the_floor_of_beta_n_values_at_each_end()
    {
        // Arrange: n = 5. β = 0.2 drops ⌊1⌋ = 1 per end: (1, 2, 3, 4, 100) → (2 + 3 + 4)/3 = 3,
        // (−50, 0, 1, 2, 6) → (0 + 1 + 2)/3 = 1. β = 0.1 drops ⌊0.5⌋ = 0: the plain means 110/5 = 22
        // and −41/5 = −8.2.
        ClientUpdate[] updates = Updates([3f, 6f], [100f, 0f], [1f, -50f], [4f, 2f], [2f, 1f]);

        // Act
        float[] trimmed = Aggregate(new TrimmedMeanStrategy(new TrimmedMeanOptions(0.2)), updates);
        float[] untrimmed = Aggregate(new TrimmedMeanStrategy(new TrimmedMeanOptions(0.1)), updates);

        // Assert
        Assert.Equal([3f, 1f], trimmed);
        Assert.Equal([22f, -8.2f], untrimmed);
    }

    [Fact]
    public void Krum_returns_the_update_with_the_lowest_score_unchanged()
    {
        // Arrange: s1 = 2 is the lowest (see KrumExample).
        var strategy = new KrumStrategy(new KrumOptions(ByzantineClients: 1));

        // Act
        float[] result = Aggregate(strategy, KrumExample());

        // Assert
        Assert.Equal([1f, 0f], result);
    }

    [Fact]
    public void MultiKrum_averages_the_m_best_scored_updates_and_by_default_n_minus_f()
    {
        // Arrange: m = 0 means n − f = 4: s1, s0, s3, s2 (all but the outlier) → ((0 + 1 + 0 + 1)/4, (0 + 0 + 2 + 1)/4)
        // = (0.5, 0.75). m = 2: s1 = 2, then s0 = s3 = 3 tie and the earlier client (u0) wins → (0.5, 0).
        ClientUpdate[] updates = KrumExample();

        // Act
        float[] byDefault = Aggregate(new MultiKrumStrategy(new KrumOptions(1, Selected: 0)), updates);
        float[] two = Aggregate(new MultiKrumStrategy(new KrumOptions(1, Selected: 2)), updates);

        // Assert
        Assert.Equal([0.5f, 0.75f], byDefault);
        Assert.Equal([0.5f, 0f], two);
    }

    [Fact]
    public void Krum_and_MultiKrum_fail_a_round_of_at_most_2f_plus_2_updates_saying_what_to_change()
    {
        // Arrange: f = 1 needs more than 4 updates; the round has 4.
        ClientUpdate[] four = KrumExample()[..4];
        var result = new float[2];

        // Act
        var krum = Assert.Throws<InvalidOperationException>(() => new KrumStrategy(new KrumOptions(1)).Aggregate(four, result));
        var multi = Assert.Throws<InvalidOperationException>(() => new MultiKrumStrategy(new KrumOptions(1)).Aggregate(four, result));
        var tooMany = Assert.Throws<InvalidOperationException>(() => new MultiKrumStrategy(new KrumOptions(1, Selected: 6)).Aggregate(KrumExample(), result));

        // Assert
        Assert.Equal("krum with server.byzantine_clients f = 1 needs more than 2f + 2 = 4 updates, but the round has 4 " +
                     "(clients without samples and rejected updates do not count): raise server.clients_per_round or lower server.byzantine_clients", krum.Message);
        Assert.StartsWith("multikrum with server.byzantine_clients f = 1 needs more than 2f + 2 = 4 updates", multi.Message, StringComparison.Ordinal);
        Assert.Contains("server.multikrum_selected m = 6", tooMany.Message, StringComparison.Ordinal);
        Assert.Equal([0f, 0f], result);
    }

    [Fact]
    public void Constructors_reject_options_outside_their_range()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrimmedMeanStrategy(new TrimmedMeanOptions(0.5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrimmedMeanStrategy(new TrimmedMeanOptions(-0.1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KrumStrategy(new KrumOptions(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiKrumStrategy(new KrumOptions(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiKrumStrategy(new KrumOptions(1, Selected: -1)));
    }

    [Theory]
    [InlineData(2, -1)]
    [InlineData(3, 0)]
    [InlineData(9, 3)]
    [InlineData(10, 3)]
    [InlineData(11, 4)]
    public void MaxByzantineClients_is_the_largest_f_with_2f_plus_2_below_the_cohort(int cohort, int expected)
    {
        Assert.Equal(expected, KrumOptions.MaxByzantineClients(cohort));
    }

    [Fact]
    public void Registry_builds_each_robust_strategy_with_its_options_from_the_config()
    {
        // Arrange
        static FluteConfig Config(string server) =>
            ConfigLoader.LoadText($"experiment:\n  rounds: 1\nserver:\n{server}", "robust.yaml", []);

        // Act
        IStrategy median = StrategyRegistry.Create(Config("  strategy: median\n"));
        IStrategy trimmed = StrategyRegistry.Create(Config("  strategy: trimmed_mean\n  trim_fraction: 0.3\n"));
        IStrategy krum = StrategyRegistry.Create(Config("  strategy: krum\n  byzantine_clients: 3\n"));
        IStrategy multi = StrategyRegistry.Create(Config("  strategy: multikrum\n  byzantine_clients: 2\n  multikrum_selected: 5\n"));

        // Assert
        Assert.IsType<MedianStrategy>(median);
        Assert.Equal(0.3, Assert.IsType<TrimmedMeanStrategy>(trimmed).Options.TrimFraction);
        Assert.Equal(3, Assert.IsType<KrumStrategy>(krum).Options.ByzantineClients);
        Assert.Equal(new KrumOptions(2, 5), Assert.IsType<MultiKrumStrategy>(multi).Options);
        Assert.All([median, trimmed, krum, multi], s => Assert.Equal(AggregatorKind.Buffered, s.Aggregator));
    }

    [Fact]
    public void Registry_builds_the_documented_defaults()
    {
        // Arrange
        FluteConfig config = ConfigLoader.LoadText("experiment:\n  rounds: 1\n", "defaults.yaml", []);

        // Act
        config.Server.Strategy = TrimmedMeanStrategy.StrategyName;
        var trimmed = Assert.IsType<TrimmedMeanStrategy>(StrategyRegistry.Create(config));
        config.Server.Strategy = MultiKrumStrategy.StrategyName;
        var multi = Assert.IsType<MultiKrumStrategy>(StrategyRegistry.Create(config));

        // Assert
        Assert.Equal(TrimmedMeanOptions.DefaultTrimFraction, trimmed.Options.TrimFraction);
        Assert.Equal(new KrumOptions(KrumOptions.DefaultByzantineClients, 0), multi.Options);
    }

    [Fact]
    public void Byzantine_clients_are_checked_against_the_cohort_only_for_krum_strategies()
    {
        // Act: f = 7 in a cohort of 10 is fine for fedavg (ignored), an error for krum.
        FluteConfig fedavg = ConfigLoader.LoadText("experiment:\n  rounds: 1\nserver:\n  byzantine_clients: 7\n", "f.yaml", []);
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.LoadText("experiment:\n  rounds: 1\nserver:\n  byzantine_clients: 7\n", "f.yaml", ["server.strategy=krum"]));

        // Assert
        Assert.Equal(7, fedavg.Server.ByzantineClients);
        Assert.Equal("server.byzantine_clients", error.KeyPath);
    }
}
