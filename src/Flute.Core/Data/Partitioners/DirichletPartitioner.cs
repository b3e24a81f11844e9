using Flute.Core.Configuration;
using Flute.Core.Randomness;

namespace Flute.Core.Data.Partitioners;

/// <summary>
/// Label-skewed split (Hsu et al. 2019, arXiv:1909.06335): for each class, client proportions
/// p ~ Dirichlet(data.alpha) and that class's shuffled samples are cut by the cumulative
/// proportions. Small alpha gives each client few classes; large alpha approaches IID. Clients
/// may get no samples at all.
/// </summary>
public sealed class DirichletPartitioner : IPartitioner
{
    public string Name => "dirichlet";

    public bool PoolsTestSet => false;

    public PartitionResult Split(ReadOnlySpan<int> labels, int classCount, DataSection options, ulong seed)
    {
        PartitionGuards.CheckClients(options, Name);
        if (!(options.Alpha > 0) || double.IsInfinity(options.Alpha))
            throw new ArgumentException($"data.alpha must be a positive number for partition 'dirichlet', got {options.Alpha}");
        int clients = options.NumClients;
        int[][] byClass = PartitionGuards.IndicesByClass(labels, classCount);
        var assigned = new List<int>[clients];
        for (int k = 0; k < clients; k++) assigned[k] = [];

        var weights = new double[clients];
        for (int c = 0; c < classCount; c++)
        {
            // One stream per class: a class's split does not depend on how many draws others took.
            DeterministicRandom random = DeterministicRandom.For(seed, StreamPurpose.Partition, round: 1, client: c);
            int[] members = byClass[c];
            random.Shuffle(members.AsSpan());
            double total = 0;
            for (int k = 0; k < clients; k++) total += weights[k] = random.NextGamma(options.Alpha);

            if (!(total > 0) || double.IsInfinity(total))
            {
                // Every Gamma draw underflowed (tiny alpha): the Dirichlet limit puts all mass on one client.
                assigned[random.NextInt32(clients)].AddRange(members);
                continue;
            }
            double cumulative = 0;
            int start = 0;
            for (int k = 0; k < clients; k++)
            {
                cumulative += weights[k];
                int end = k == clients - 1 ? members.Length : (int)Math.Min(members.Length, Math.Floor(cumulative / total * members.Length));
                if (end > start) assigned[k].AddRange(members.AsSpan(start, end - start));
                start = Math.Max(start, end);
            }
        }
        return new PartitionResult(PartitionGuards.ToSortedArrays(assigned), null);
    }
}
