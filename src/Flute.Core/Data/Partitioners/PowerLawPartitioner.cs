using Flute.Core.Configuration;
using Flute.Core.Randomness;

namespace Flute.Core.Data.Partitioners;

/// <summary>
/// The non-IID MNIST of FedProx (Li et al. 2020, arXiv:1812.06127; LEAF's "synthetic power law"
/// MNIST), used by FLUTE's LR_MNIST benchmark. Train and test are pooled. With C classes, user u
/// holds only classes u mod C and (u+1) mod C: first 5 samples of each, taken in order from a
/// per-class shuffled list, then for each of its two classes a further floor(p) samples, where the
/// p ~ lognormal(0, 2) of each class are scaled to sum to what remains of that class after the
/// first phase (a draw is skipped if too few samples remain). Each user's samples are shuffled and
/// split 90/10 (train = floor(0.9 n)); the test set is the union of the users' test splits.
/// Requires num_clients to be a multiple of C (10 for MNIST).
/// </summary>
public sealed class PowerLawPartitioner : IPartitioner
{
    /// <summary>Samples of each of its two classes a user gets before the power-law phase.</summary>
    public const int InitialPerClass = 5;

    public string Name => "powerlaw";

    public bool PoolsTestSet => true;

    public PartitionResult Split(ReadOnlySpan<int> labels, int classCount, DataSection options, ulong seed)
    {
        int[][] users = AssignUsers(labels, classCount, options, seed);
        var train = new int[users.Length][];
        var test = new List<int>();
        for (int u = 0; u < users.Length; u++)
        {
            int[] samples = users[u];
            DeterministicRandom.For(seed, StreamPurpose.Partition, round: 12, client: u).Shuffle(samples.AsSpan());
            int trainCount = (int)(9L * samples.Length / 10);
            train[u] = samples[..trainCount];
            Array.Sort(train[u]);
            test.AddRange(samples.AsSpan(trainCount));
        }
        int[] testIndices = test.ToArray();
        Array.Sort(testIndices);
        return new PartitionResult(train, testIndices);
    }

    /// <summary>Each user's samples before the train/test split, in the order they were assigned.</summary>
    internal int[][] AssignUsers(ReadOnlySpan<int> labels, int classCount, DataSection options, ulong seed)
    {
        PartitionGuards.CheckClients(options, Name);
        int users = options.NumClients;
        if (users % classCount != 0)
            throw new ArgumentException(
                $"partition 'powerlaw' needs data.num_clients to be a multiple of the class count {classCount}, got {users}");
        int groups = users / classCount;

        int[][] byClass = PartitionGuards.IndicesByClass(labels, classCount);
        for (int c = 0; c < classCount; c++)
            DeterministicRandom.For(seed, StreamPurpose.Partition, round: 10, client: c).Shuffle(byClass[c].AsSpan());

        var assigned = new List<int>[users];
        var next = new int[classCount];
        for (int u = 0; u < users; u++)
        {
            assigned[u] = [];
            for (int j = 0; j < 2; j++)
            {
                int c = (u + j) % classCount;
                if (next[c] + InitialPerClass > byClass[c].Length)
                    throw new ArgumentException(
                        $"partition 'powerlaw': class {c} has {byClass[c].Length} samples, too few for {InitialPerClass} each for {users} users");
                assigned[u].AddRange(byClass[c].AsSpan(next[c], InitialPerClass));
                next[c] += InitialPerClass;
            }
        }

        // props[c, g, j], drawn in this order as FedProx's np.random.lognormal(0, 2, (10, groups, 2)),
        // then scaled so each class's props sum to what is left of that class.
        var props = new double[classCount, groups, 2];
        DeterministicRandom random = DeterministicRandom.For(seed, StreamPurpose.Partition, round: 11);
        for (int c = 0; c < classCount; c++)
        {
            double sum = 0;
            for (int g = 0; g < groups; g++)
                for (int j = 0; j < 2; j++)
                    sum += props[c, g, j] = random.NextLogNormal(0, 2);
            double scale = (byClass[c].Length - next[c]) / sum;
            for (int g = 0; g < groups; g++)
                for (int j = 0; j < 2; j++)
                    props[c, g, j] *= scale;
        }

        for (int u = 0; u < users; u++)
        {
            for (int j = 0; j < 2; j++)
            {
                int c = (u + j) % classCount;
                int count = (int)Math.Floor(props[c, u / classCount, j]);
                if (count <= 0 || next[c] + count > byClass[c].Length) continue;
                assigned[u].AddRange(byClass[c].AsSpan(next[c], count));
                next[c] += count;
            }
        }
        return assigned.Select(list => list.ToArray()).ToArray();
    }
}
