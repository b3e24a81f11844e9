using Flute.Core.Configuration;
using Flute.Core.Randomness;

namespace Flute.Core.Data.Synthetic;

/// <summary>
/// Synthetic(alpha, beta), the federated data set of Li et al. 2020 (FedProx) as LEAF uses it: 60
/// features, 10 classes. For client k: u_k ~ N(0, alpha²) and W_k (10×60), b_k (10) ~ N(u_k, 1);
/// B_k ~ N(0, beta²) and v_k (60) ~ N(B_k, 1); samples x ~ N(v_k, Σ) with Σ diagonal, Σ_jj = j^−1.2;
/// y = argmax(W_k x + b_k) (softmax does not change the argmax); the sample count is
/// ⌊lognormal(4, 2)⌋ + 50, capped by data.max_samples_per_client. Everything a client has comes from
/// the stream (seed, Synthetic, population, k), so any client of any population size is generated on
/// demand, identically on every silo, and nothing is stored. (FedProx draws u_k and B_k with standard
/// deviations alpha and beta; so does this.)
/// </summary>
public static class SyntheticData
{
    public const int Features = 60;
    public const int Classes = 10;

    /// <summary>Held-out clients whose samples form the shared test set (and, if asked, the validation set).</summary>
    public const int HeldOutClients = 100;

    /// <summary>At most this many samples of each held-out client go into the test or validation set.</summary>
    public const int HeldOutSamplesPerClient = 100;

    private const long TrainPopulation = 0;
    private const long TestPopulation = 1;
    private const long ValidationPopulation = 2;

    private static readonly float[] s_stdDev = [.. Enumerable.Range(1, Features).Select(j => (float)Math.Sqrt(Math.Pow(j, -1.2)))];

    /// <summary>The lazy federated data set of <paramref name="data"/> (num_clients, alpha, beta, max_samples_per_client).</summary>
    public static FederatedData Create(DataSection data, ulong seed)
    {
        var parameters = new Parameters(seed, data.Alpha, data.Beta, data.MaxSamplesPerClient);
        Dataset test = HeldOut("synthetic-test", parameters, TestPopulation);
        Dataset? validation = data.ValidationFraction > 0 ? HeldOut("synthetic-validation", parameters, ValidationPopulation) : null;
        return new FederatedData(data.NumClients, client => Client(parameters, TrainPopulation, client), test, validation, client => SampleCount(parameters, TrainPopulation, client));
    }

    /// <summary>The parameters a client's data depends on.</summary>
    public readonly record struct Parameters(ulong Seed, double Alpha, double Beta, int MaxSamples);

    /// <summary>Client <paramref name="client"/>'s sample count, without generating its samples.</summary>
    public static int SampleCount(Parameters p, long population, long client) =>
        CountFrom(DeterministicRandom.For(p.Seed, StreamPurpose.Synthetic, population, client), p.MaxSamples);

    /// <summary>Client <paramref name="client"/>'s samples, as a shard over its own small data set.</summary>
    public static ClientShard Client(Parameters p, long population, long client)
    {
        Dataset data = Generate($"synthetic-{client}", p, population, client, int.MaxValue);
        return new ClientShard(data, [.. Enumerable.Range(0, data.Count)]);
    }

    private static int CountFrom(DeterministicRandom random, int maxSamples)
    {
        double count = Math.Floor(random.NextLogNormal(4, 2)) + 50;
        double cap = maxSamples > 0 ? maxSamples : int.MaxValue / Features;
        return (int)Math.Min(count, cap);
    }

    private static Dataset Generate(string name, Parameters p, long population, long client, int limit)
    {
        var random = DeterministicRandom.For(p.Seed, StreamPurpose.Synthetic, population, client);
        int n = Math.Min(CountFrom(random, p.MaxSamples), limit);
        double u = random.NextGaussian(0, p.Alpha);
        var w = new double[Classes * Features];
        var b = new double[Classes];
        for (int i = 0; i < w.Length; i++) w[i] = random.NextGaussian(u, 1);
        for (int i = 0; i < b.Length; i++) b[i] = random.NextGaussian(u, 1);
        double bigB = random.NextGaussian(0, p.Beta);
        var v = new double[Features];
        for (int j = 0; j < Features; j++) v[j] = random.NextGaussian(bigB, 1);

        var features = new float[n * Features];
        var labels = new int[n];
        for (int s = 0; s < n; s++)
        {
            Span<float> x = features.AsSpan(s * Features, Features);
            for (int j = 0; j < Features; j++) x[j] = (float)(v[j] + s_stdDev[j] * random.NextGaussian());
            int best = 0;
            double bestLogit = double.NegativeInfinity;
            for (int c = 0; c < Classes; c++)
            {
                double logit = b[c];
                for (int j = 0; j < Features; j++) logit += w[c * Features + j] * x[j];
                if (logit > bestLogit)
                {
                    bestLogit = logit;
                    best = c;
                }
            }
            labels[s] = best;
        }
        return new Dataset(name, features, labels, [Features], Classes);
    }

    private static Dataset HeldOut(string name, Parameters p, long population)
    {
        var parts = new List<Dataset>(HeldOutClients);
        for (int k = 0; k < HeldOutClients; k++) parts.Add(Generate(name, p, population, k, HeldOutSamplesPerClient));
        float[] features = [.. parts.SelectMany(d => d.RawFloats.ToArray())];
        int[] labels = [.. parts.SelectMany(d => d.Labels)];
        return new Dataset(name, features, labels, [Features], Classes);
    }
}
