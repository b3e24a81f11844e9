using System.IO.Hashing;
using System.Net;
using System.Text;
using Flute.Grains.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Xunit.Abstractions;

namespace Flute.Grains.Tests.Placement;

/// <summary>The math of capacity-weighted placement, without Orleans: shares, stability under removal, determinism.</summary>
public sealed class WeightedRendezvousTests(ITestOutputHelper output)
{
    private const int Keys = 30_000;

    [Fact]
    public void Capacities_one_and_two_get_a_third_and_two_thirds()
    {
        // Arrange
        var silos = Silos((1, "10.0.0.1:11111"), (2, "10.0.0.2:11111"));

        // Act
        double[] shares = Shares(silos);

        // Assert: each key lands on a silo independently with p = 1/3 or 2/3, so a share is a binomial
        // proportion with σ = √(p(1 − p)/n) = √((1/3)(2/3)/30 000) = √(7.41e-6) ≈ 0.0027. The ±0.03 bound
        // is about 11σ: a correct weighting cannot miss it, and a wrong one (equal shares: 1/2) misses it by 0.17.
        Assert.InRange(shares[0], 1.0 / 3 - 0.03, 1.0 / 3 + 0.03);
        Assert.InRange(shares[1], 2.0 / 3 - 0.03, 2.0 / 3 + 0.03);
    }

    [Fact]
    public void Equal_capacities_get_equal_shares()
    {
        var silos = Silos((1, "10.0.0.1:11111"), (1, "10.0.0.2:11111"), (1, "10.0.0.3:11111"));

        double[] shares = Shares(silos);

        // Same binomial bound as above: p = 1/3, σ ≈ 0.0027, ±0.03 ≈ 11σ.
        foreach (double share in shares) Assert.InRange(share, 1.0 / 3 - 0.03, 1.0 / 3 + 0.03);
    }

    [Fact]
    public void Removing_a_silo_moves_only_its_keys()
    {
        // Arrange
        var all = Silos((1, "10.0.0.1:11111"), (2, "10.0.0.2:11111"), (3, "10.0.0.3:11111"), (2, "10.0.0.4:11111"));
        var removed = all[1];
        var remaining = all.Where(s => s != removed).ToArray();
        int moved = 0;

        for (int key = 0; key < Keys; key++)
        {
            // Act
            ulong grain = GrainHash(key);
            ulong before = all[WeightedRendezvous.Pick(grain, all)].SiloHash;
            ulong after = remaining[WeightedRendezvous.Pick(grain, remaining)].SiloHash;

            // Assert
            if (before == removed.SiloHash)
            {
                Assert.NotEqual(removed.SiloHash, after);
                moved++;
            }
            else
            {
                Assert.Equal(before, after);
            }
        }
        // The removed silo held capacity 2 of 8: about a quarter of the keys, and only those, moved.
        output.WriteLine($"moved: {moved / (double)Keys:F4}");
        Assert.InRange(moved / (double)Keys, 0.25 - 0.03, 0.25 + 0.03);
    }

    [Fact]
    public void Same_input_gives_the_same_pick_in_any_candidate_order()
    {
        var silos = Silos((1, "10.0.0.1:11111"), (2, "10.0.0.2:11111"), (3, "10.0.0.3:11111"));
        var reversed = silos.Reverse().ToArray();

        for (int key = 0; key < 1_000; key++)
        {
            ulong grain = GrainHash(key);
            int first = WeightedRendezvous.Pick(grain, silos);
            Assert.Equal(first, WeightedRendezvous.Pick(grain, silos));
            Assert.Equal(silos[first].SiloHash, reversed[WeightedRendezvous.Pick(grain, reversed)].SiloHash);
        }
    }

    [Fact]
    public void Capacity_divides_the_score()
    {
        ulong grain = GrainHash(7), silo = SiloHash("10.0.0.1:11111");

        double one = WeightedRendezvous.Score(grain, silo, 1);

        Assert.True(one >= 0 && double.IsFinite(one));
        Assert.Equal(one / 2, WeightedRendezvous.Score(grain, silo, 2));
        Assert.Equal(one / 3, WeightedRendezvous.Score(grain, silo, 3));
    }

    [Fact]
    public void Pick_with_hand_computed_scores()
    {
        // Two silos with capacity 1 and 4: the winner is the one with the smaller −ln(u)/capacity.
        ulong grain = GrainHash(11);
        ulong a = SiloHash("10.0.0.1:11111"), b = SiloHash("10.0.0.2:11111");
        double scoreA = -Math.Log(WeightedRendezvous.Unit(grain, a)) / 1;
        double scoreB = -Math.Log(WeightedRendezvous.Unit(grain, b)) / 4;

        int pick = WeightedRendezvous.Pick(grain, [(a, 1), (b, 4)]);

        Assert.Equal(scoreA < scoreB ? 0 : 1, pick);
    }

    [Fact]
    public void Unit_is_in_the_half_open_interval_and_never_zero()
    {
        for (ulong x = 0; x < 10_000; x++)
        {
            double u = WeightedRendezvous.Unit(x, x * 31);
            Assert.InRange(u, double.Epsilon, 1.0);
        }
    }

    [Fact]
    public void Bad_inputs_are_refused()
    {
        Assert.Throws<ArgumentException>(() => WeightedRendezvous.Pick(1, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightedRendezvous.Pick(1, [(1, 0)]));
    }

    [Theory]
    [InlineData("3", 3)]
    [InlineData("1", 1)]
    [InlineData("0", 1)]
    [InlineData("-2", 1)]
    [InlineData("two", 1)]
    [InlineData("", 1)]
    public void Capacity_comes_from_the_trainers_metadata_else_one(string value, int expected)
    {
        var metadata = new Dictionary<string, string> { [PlacementRegistration.TrainersKey] = value };

        Assert.Equal(expected, CapacityPlacementDirector.CapacityOf(metadata));
    }

    [Fact]
    public void A_silo_without_metadata_counts_as_one()
    {
        Assert.Equal(1, CapacityPlacementDirector.CapacityOf(SiloMetadata.Empty.Metadata));
    }

    [Fact]
    public void Grain_and_silo_hashes_are_stable_across_processes()
    {
        // XxHash64 is a fixed algorithm, so these values hold in every process, on every silo, in every
        // build: a change here would send existing grains to other silos after an upgrade.
        var grain = GrainId.Create("client", "000000000000002a+exp-1");
        var silo = SiloAddress.New(IPAddress.Parse("10.0.0.1"), 11111, 1);
        var restarted = SiloAddress.New(IPAddress.Parse("10.0.0.1"), 11111, 2);

        ulong grainHash = CapacityPlacementDirector.HashGrain(grain);
        ulong siloHash = CapacityPlacementDirector.HashSilo(silo);

        // The definition: the key's bytes seeded with the type's hash; the silo's "ip:port" only.
        ulong typeHash = XxHash64.HashToUInt64("client"u8);
        Assert.Equal(XxHash64.HashToUInt64("000000000000002a+exp-1"u8, unchecked((long)typeHash)), grainHash);
        Assert.Equal(XxHash64.HashToUInt64("10.0.0.1:11111"u8), siloHash);
        Assert.Equal(siloHash, CapacityPlacementDirector.HashSilo(restarted));
        // The values, pinned once from this build.
        Assert.Equal(0xF6EB589CF82B6AA6UL, grainHash);
        Assert.Equal(0x538F03037FEBF32EUL, siloHash);
    }

    private static (ulong SiloHash, int Capacity)[] Silos(params (int Capacity, string Endpoint)[] silos) =>
        silos.Select(s => (SiloHash(s.Endpoint), s.Capacity)).ToArray();

    private static ulong SiloHash(string endpoint) => XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(endpoint));

    private static ulong GrainHash(int key) => XxHash64.HashToUInt64(BitConverter.GetBytes((long)key));

    private double[] Shares((ulong SiloHash, int Capacity)[] silos)
    {
        var counts = new int[silos.Length];
        for (int key = 0; key < Keys; key++) counts[WeightedRendezvous.Pick(GrainHash(key), silos)]++;
        double[] shares = counts.Select(c => c / (double)Keys).ToArray();
        output.WriteLine(string.Join(", ", silos.Select((s, i) => $"capacity {s.Capacity}: {shares[i]:F4}")));
        return shares;
    }
}
