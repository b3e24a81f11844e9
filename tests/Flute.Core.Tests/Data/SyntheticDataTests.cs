using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Data.Synthetic;

namespace Flute.Core.Tests.Data;

public sealed class SyntheticDataTests
{
    private static DataSection Section(long clients = 1_000_000, int cap = 1000, double alpha = 1, double beta = 1) =>
        new() { Dataset = "synthetic", NumClients = (int)clients, Alpha = alpha, Beta = beta, MaxSamplesPerClient = cap };

    [Fact]
    public void A_million_clients_cost_nothing_until_one_is_asked_for()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        FederatedData data = SyntheticData.Create(Section(), seed: 1);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(data.IsLazy);
        Assert.Equal(1_000_000, data.Population);
        // The held-out test set (100 clients × at most 100 samples × 60 floats) is all that is built.
        Assert.InRange(allocated, 0, 16L << 20);
        Assert.InRange(data.Test.Count, 100 * 50, 100 * 100);
        Assert.Null(data.Validation);
    }

    [Fact]
    public void A_client_is_a_pure_function_of_seed_and_id_with_the_documented_shape()
    {
        FederatedData a = SyntheticData.Create(Section(), seed: 1), b = SyntheticData.Create(Section(), seed: 1), c = SyntheticData.Create(Section(), seed: 2);

        ClientShard x = a.Shard(999_999), y = b.Shard(999_999), z = c.Shard(999_999);

        Assert.Equal(x.Data.RawFloats.ToArray(), y.Data.RawFloats.ToArray());
        Assert.Equal(x.Data.Labels, y.Data.Labels);
        Assert.NotEqual(x.Data.RawFloats.ToArray(), z.Data.RawFloats.ToArray());
        Assert.Equal([60], x.Data.SampleShape);
        Assert.Equal(10, x.Data.ClassCount);
        Assert.All(x.Data.Labels, label => Assert.InRange(label, 0, 9));
        Assert.Equal(Enumerable.Range(0, x.Data.Count), x.Indices);
        Assert.Equal(x.Data.Count, a.SampleCount(999_999)); // the cheap count matches the generated data
    }

    [Fact]
    public void Sample_counts_follow_lognormal_4_2_plus_50_capped()
    {
        FederatedData data = SyntheticData.Create(Section(cap: 0), seed: 3);
        int[] counts = [.. Enumerable.Range(0, 4000).Select(k => data.SampleCount(k))];
        FederatedData capped = SyntheticData.Create(Section(cap: 200), seed: 3);

        Assert.All(counts, n => Assert.True(n >= 50));
        // ⌊lognormal(4, 2)⌋ has median e^4 ≈ 54.6, so the median count is about 104; a 4,000-client
        // sample puts it within a few of that.
        double median = counts.Order().ElementAt(counts.Length / 2);
        Assert.InRange(median, 95, 115);
        // P(lognormal(4, 2) > 150) = P(Z > (ln 150 − 4) / 2) = P(Z > 0.505) ≈ 0.307.
        double tail = counts.Count(n => n - 50 > 150) / (double)counts.Length;
        Assert.InRange(tail, 0.28, 0.335);
        Assert.All(Enumerable.Range(0, 4000), k => Assert.Equal(Math.Min(counts[k], 200), capped.SampleCount(k)));
    }

    [Fact]
    public void Features_have_the_documented_variances_around_the_client_mean()
    {
        // One big client (no cap): per-feature sample variance ≈ j^-1.2.
        FederatedData data = SyntheticData.Create(Section(cap: 0), seed: 4);
        long big = Enumerable.Range(0, 2000).First(k => data.SampleCount(k) >= 20_000);
        Dataset d = data.Shard(big).Data;
        float[] f = d.RawFloats.ToArray();

        foreach (int j in new[] { 1, 10, 60 })
        {
            double mean = 0, square = 0;
            for (int s = 0; s < d.Count; s++) mean += f[s * 60 + j - 1];
            mean /= d.Count;
            for (int s = 0; s < d.Count; s++) square += Math.Pow(f[s * 60 + j - 1] - mean, 2);
            double variance = square / (d.Count - 1), expected = Math.Pow(j, -1.2);
            Assert.InRange(variance / expected, 0.95, 1.05);
        }
    }

    [Fact]
    public void Labels_are_the_argmax_of_the_clients_own_linear_model_so_clients_differ()
    {
        // With alpha = beta = 0 every client shares u = 0 and B = 0 but still draws its own W, b, v: the
        // label mixes differ between clients (the non-IID-ness Synthetic is known for).
        FederatedData data = SyntheticData.Create(Section(cap: 500), seed: 5);
        var histograms = Enumerable.Range(0, 20).Select(k =>
        {
            var h = new int[10];
            foreach (int label in data.Shard(k).Data.Labels) h[label]++;
            return h;
        }).ToList();

        Assert.True(histograms.Select(h => Array.IndexOf(h, h.Max())).Distinct().Count() > 3, "clients' majority labels should differ");
    }

    [Fact]
    public void A_validation_split_comes_from_its_own_held_out_clients()
    {
        var section = Section();
        section.ValidationFraction = 0.1;
        FederatedData data = SyntheticData.Create(section, seed: 6);

        Assert.NotNull(data.Validation);
        Assert.NotEqual(data.Test.RawFloats.ToArray(), data.Validation!.RawFloats.ToArray());
    }
}
