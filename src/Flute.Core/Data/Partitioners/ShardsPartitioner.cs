using Flute.Core.Configuration;
using Flute.Core.Randomness;

namespace Flute.Core.Data.Partitioners;

/// <summary>
/// Pathological non-IID split of McMahan et al. 2017 (arXiv:1602.05629): sort the samples by label
/// (stable), cut them into num_clients × shards_per_client contiguous shards of equal size (sizes
/// differ by at most one when the count does not divide), and give each client
/// shards_per_client shards at random. A shard that straddles a class boundary holds two labels.
/// </summary>
public sealed class ShardsPartitioner : IPartitioner
{
    public string Name => "shards";

    public bool PoolsTestSet => false;

    public PartitionResult Split(ReadOnlySpan<int> labels, int classCount, DataSection options, ulong seed)
    {
        PartitionGuards.CheckClients(options, Name);
        int perClient = options.ShardsPerClient;
        if (perClient <= 0)
            throw new ArgumentException($"data.shards_per_client must be positive for partition 'shards', got {perClient}");
        long shardCount = (long)options.NumClients * perClient;
        if (shardCount > labels.Length)
            throw new ArgumentException(
                $"partition 'shards' needs at least num_clients × shards_per_client = {shardCount} samples, the data set has {labels.Length}");

        int[] sorted = PartitionGuards.IndicesByClass(labels, classCount).SelectMany(members => members).ToArray();
        int[] shards = Enumerable.Range(0, (int)shardCount).ToArray();
        DeterministicRandom.For(seed, StreamPurpose.Partition, round: 2).Shuffle(shards.AsSpan());

        var result = new int[options.NumClients][];
        for (int c = 0; c < result.Length; c++)
        {
            var mine = new List<int>();
            for (int s = 0; s < perClient; s++)
            {
                long shard = shards[c * perClient + s];
                int start = (int)(shard * sorted.Length / shardCount);
                int end = (int)((shard + 1) * sorted.Length / shardCount);
                mine.AddRange(sorted.AsSpan(start, end - start));
            }
            result[c] = mine.ToArray();
            Array.Sort(result[c]);
        }
        return new PartitionResult(result, null);
    }
}
